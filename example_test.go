package mediaupload_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// The README's quick start: upload a file with the credentials of the
// environment. (Not run: it needs real credentials and the network.)
func Example_quickStart() {
	ctx := context.Background()
	creds, err := mediaupload.CredentialsFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err) // names the missing TWITTER_* variable
	}
	httpClient, err := mediaupload.NewOAuth1Client(creds, nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := mediaupload.NewClient(httpClient)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("cat.mp4")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	media, err := client.Upload(ctx, f, mediaupload.AltText("A cat chasing a laser dot"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(media.ID) // attach it to a post as media_ids
}

// Upload against the mediatest fake, as in a test of your own.
func ExampleClient_Upload() {
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	defer srv.Close()

	client, err := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
	if err != nil {
		log.Fatal(err)
	}
	video := mediatest.MP4(5<<20 + 32) // a tiny MP4 head, then filler: 3 segments of 2 MiB
	media, err := client.Upload(context.Background(), bytes.NewReader(video),
		mediaupload.OnProgress(func(p mediaupload.Progress) {
			if p.Processing == nil {
				fmt.Printf("sent %d of %d segments\n", p.SegmentsDone, p.Segments)
			}
		}))
	if err != nil {
		log.Fatal(err)
	}
	got, _ := srv.Media(media.ID)
	fmt.Println(media.ID, media.MediaType, media.Category, got.State, len(got.Data) == len(video))
	// Output:
	// sent 1 of 3 segments
	// sent 2 of 3 segments
	// sent 3 of 3 segments
	// 1880028106020515841 video/mp4 tweet_video succeeded true
}

// Errors name what went wrong: the step, the segment and the media id, and
// the service's answer.
func ExampleUploadError() {
	srv := mediatest.NewServer()
	defer srv.Close()
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 0, Status: 400})

	client, _ := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
	_, err := client.Upload(context.Background(), bytes.NewReader([]byte("GIF89a...")))

	var uploadErr *mediaupload.UploadError
	var apiErr *mediaupload.APIError
	if errors.As(err, &uploadErr) && errors.As(err, &apiErr) {
		fmt.Println(uploadErr.Step, uploadErr.Segment, uploadErr.MediaID, apiErr.StatusCode)
	}
	// Output:
	// APPEND 0 1880028106020515841 400
}

// The steps one by one, for callers that need them.
func ExampleClient_Init() {
	srv := mediatest.NewServer()
	defer srv.Close()
	client, _ := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
	ctx := context.Background()
	data := []byte("\x89PNG\r\n\x1a\n...an image...")

	m, err := client.Init(ctx, mediaupload.InitParams{TotalBytes: int64(len(data)), MediaType: "image/png", Category: "tweet_image"})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Append(ctx, m.ID, 0, data); err != nil {
		log.Fatal(err)
	}
	m, err = client.Finalize(ctx, m.ID)
	if err != nil {
		log.Fatal(err)
	}
	m, err = client.WaitProcessed(ctx, m) // returns at once: images need no processing
	if err != nil {
		log.Fatal(err)
	}
	if err := client.SetAltText(ctx, m.ID, "A tiny image"); err != nil {
		log.Fatal(err)
	}
	got, _ := srv.Media(m.ID)
	fmt.Println(got.State, got.AltText)
	// Output:
	// succeeded A tiny image
}

// X API v2 with an OAuth 2.0 user token (scope media.write), and alt text.
func ExampleWithAPI() {
	srv := mediatest.NewServer()
	defer srv.Close()
	token := srv.OAuth2Token() // in real life, from your OAuth 2.0 flow

	client, err := mediaupload.NewClient(&http.Client{Transport: mediaupload.NewTransport()},
		mediaupload.WithAPI(mediaupload.APIv2),
		mediaupload.WithEndpoint(srv.V2URL()), // default https://api.x.com/2/media/upload
		mediaupload.WithBearerToken(token))
	if err != nil {
		log.Fatal(err)
	}
	image := []byte("\x89PNG\r\n\x1a\n...an image...")
	media, err := client.Upload(context.Background(), bytes.NewReader(image), mediaupload.AltText("A tiny image"))
	if err != nil {
		log.Fatal(err)
	}
	got, _ := srv.Media(media.ID)
	fmt.Println(media.Category, got.AltText, srv.Requests()[0].Path)
	// Output:
	// tweet_image A tiny image /2/media/upload/initialize
}
