// Command benchmany runs many uploads at once through one default
// mediaupload Client against the bench server (internal/benchserver), for
// bench/run.sh: each input is generated from its offset, so the inputs
// cost no memory, and each upload is checked byte-exact against the
// server's per-segment digests (GET /stats?media_id=…). It prints one
// line: uploads, bytes, seconds and MB/s.
//
//	benchmany -endpoint http://127.0.0.1:PORT/1.1/media/upload.json -n 1000 -size 4194304
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mediaupload/mediaupload"
)

// pattern is an input computed from its offset; seed tells uploads apart.
type pattern struct{ seed byte }

func (p pattern) ReadAt(b []byte, off int64) (int, error) {
	for i := range b {
		o := off + int64(i)
		b[i] = byte(o) ^ byte(o>>9) ^ p.seed
	}
	return len(b), nil
}

func main() {
	endpoint := flag.String("endpoint", "", "the bench server's v1.1 upload URL")
	n := flag.Int("n", 1000, "uploads at once")
	size := flag.Int64("size", 4<<20, "bytes per upload")
	flag.Parse()
	if err := run(context.Background(), *endpoint, *n, *size); err != nil {
		log.Fatalf("benchmany: %v", err)
	}
}

func run(ctx context.Context, endpoint string, n int, size int64) error {
	hc, err := mediaupload.NewOAuth1Client(mediaupload.Credentials{ConsumerKey: "bench", ConsumerSecret: "bench",
		AccessToken: "bench", AccessTokenSecret: "bench"}, nil)
	if err != nil {
		return err
	}
	c, err := mediaupload.NewClient(hc, mediaupload.WithEndpoint(endpoint))
	if err != nil {
		return err
	}
	ids := make([]string, n)
	errs := make([]error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m, err := c.Upload(ctx, io.NewSectionReader(pattern{byte(i)}, 0, size),
				mediaupload.MediaType("video/mp4"), mediaupload.Category("tweet_video"), mediaupload.NoCheck())
			if err == nil {
				ids[i] = m.ID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	took := time.Since(start)
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("upload %d: %w", i, err)
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if err := verify(u.Scheme+"://"+u.Host+"/stats?media_id="+url.QueryEscape(id), byte(i), size); err != nil {
			return fmt.Errorf("upload %d (%s) is not byte-exact: %w", i, id, err)
		}
	}
	fmt.Printf("uploads=%d bytes=%d seconds=%.3f MBps=%.1f\n", n, int64(n)*size, took.Seconds(), float64(int64(n)*size)/took.Seconds()/1e6)
	return nil
}

// verify compares the server's segments of one upload with the input.
func verify(statsURL string, seed byte, size int64) error {
	resp, err := http.Get(statsURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var st struct {
		Segments []struct {
			Index  int    `json:"index"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"segments"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return err
	}
	var off int64
	for i, sg := range st.Segments {
		if sg.Index != i {
			return fmt.Errorf("segment %d missing", i)
		}
		h := sha256.New()
		io.Copy(h, io.NewSectionReader(pattern{seed}, off, sg.Size))
		if got := hex.EncodeToString(h.Sum(nil)); got != sg.SHA256 {
			return fmt.Errorf("segment %d differs", i)
		}
		off += sg.Size
	}
	if off != size {
		return fmt.Errorf("the server has %d bytes of %d", off, size)
	}
	return nil
}
