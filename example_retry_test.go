package mediaupload_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// Show each retry, with a retry policy fast enough for tests.
func ExampleOnRetry() {
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	defer srv.Close()
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503, Times: 2})

	client, err := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()),
		mediaupload.WithChunkSize(64<<10),
		mediaupload.WithRetry(mediaupload.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}),
		mediaupload.OnRetry(func(e mediaupload.RetryEvent) {
			var apiErr *mediaupload.APIError
			if errors.As(e.Err, &apiErr) {
				fmt.Printf("%s segment %d: HTTP %d, attempt %d of %d next\n", e.Step, e.Segment, apiErr.StatusCode, e.Attempt+1, e.MaxAttempts)
			}
		}))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Upload(context.Background(), bytes.NewReader(mediatest.MP4(100<<10))); err != nil {
		log.Fatal(err)
	}
	// Output:
	// APPEND segment 1: HTTP 503, attempt 2 of 3 next
	// APPEND segment 1: HTTP 503, attempt 3 of 3 next
}
