package mediacheck_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// Check a file before uploading it: refuse what X would refuse, print the
// warnings and go on.
func Example() {
	ctx := context.Background()
	info, err := mediacheck.InspectFile(ctx, "testdata/fps120.mp4")
	if err != nil {
		fmt.Println(err)
		return
	}
	findings := mediacheck.Check(info, "tweet_video", mediacheck.DefaultLimits())
	for _, f := range findings.Only(mediacheck.Warn) {
		fmt.Fprintln(os.Stderr, "warning:", f.Message)
	}
	if err := findings.Err(); err != nil {
		fmt.Println("clip.mp4:", err)
		fmt.Println(errors.Is(err, mediacheck.ErrRefused))
	}
	// Output:
	// clip.mp4: frame rate 120 fps is over X's limit of 60 fps for tweet_video
	// true
}

// A Premium account may post longer videos: raise the limit.
func ExampleLimits() {
	info, _ := mediacheck.InspectFile(context.Background(), "testdata/long.mp4")
	fmt.Println(mediacheck.Check(info, "tweet_video", mediacheck.Limits{}).Err())
	fmt.Println(mediacheck.Check(info, "tweet_video", mediacheck.Limits{MaxVideoDuration: 3 * time.Hour}).Err())
	// Output:
	// duration 150 s is over X's limit of 140 s for tweet_video
	// <nil>
}

// What "mediaupload check FILE" prints.
func ExampleResult() {
	info, _ := mediacheck.InspectFile(context.Background(), "testdata/ok.mov")
	fmt.Print(mediacheck.NewResult("ok.mov", info, "", mediacheck.Limits{}))
	// Output:
	// ok.mov: passes for tweet_video
	//   format    mov (qt), 9.9 kB (10089 bytes)
	//   duration  1 s
	//   video     h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive
	//   audio     aac LC mono 48000 Hz
}
