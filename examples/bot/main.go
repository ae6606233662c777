// Command bot is the smallest useful program built on mediaupload: it
// uploads one file with the credentials of the environment, posts it
// (POST /2/tweets, through the same signed client) and prints the media id
// and the post id, one a line. With -post "" it only uploads.
//
// Try it against the fake API, with no account and no network:
//
//	go run ./cmd/mediaupload serve --addr 127.0.0.1:8080   # prints the test credentials
//	export TWITTER_CONSUMER_KEY=… TWITTER_CONSUMER_SECRET=… TWITTER_ACCESS_TOKEN=… TWITTER_ACCESS_TOKEN_SECRET=…
//	go run ./examples/bot -endpoint http://127.0.0.1:8080/1.1/media/upload.json \
//		-post http://127.0.0.1:8080/2/tweets -text "A cat" FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/mediaupload/mediaupload"
)

func main() {
	endpoint := flag.String("endpoint", mediaupload.DefaultEndpoint, "upload URL")
	alt := flag.String("alt", "", "alt text for an image or GIF")
	postURL := flag.String("post", defaultPostURL, `URL to post the media to; "" to only upload`)
	text := flag.String("text", "", "text of the post")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: bot [-endpoint URL] [-alt TEXT] [-post URL] [-text TEXT] FILE")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	creds, err := mediaupload.CredentialsFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	httpClient, err := mediaupload.NewOAuth1Client(creds, nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := mediaupload.NewClient(httpClient, mediaupload.WithEndpoint(*endpoint))
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	var opts []mediaupload.UploadOption
	if *alt != "" {
		opts = append(opts, mediaupload.AltText(*alt))
	}
	opts = append(opts, mediaupload.OnProgress(func(p mediaupload.Progress) {
		if p.Processing != nil {
			log.Printf("processing: %s %d%%", p.Processing.State, p.Processing.ProgressPercent)
		} else {
			log.Printf("sent %d/%d segments", p.SegmentsDone, p.Segments)
		}
	}))
	media, err := client.Upload(ctx, f, opts...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(media.ID)
	if *postURL == "" {
		return
	}
	id, err := post(ctx, httpClient, *postURL, *text, media.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id)
}
