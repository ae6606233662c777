package mediaupload

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sinkServer answers the v1.1 flow as fast as it can: it reads every byte
// and stores none. The media id is a constant.
func sinkServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		switch {
		case strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/"):
			w.WriteHeader(http.StatusNoContent) // APPEND
		default: // INIT, FINALIZE, STATUS
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"media_id_string":"1880028106020515841","expires_after_secs":86400}`)
		}
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func BenchmarkChunker(b *testing.B) {
	data := make([]byte, 64<<20)
	buf := make([]byte, DefaultChunkSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewChunker(bytes.NewReader(data), int64(len(data)), 0)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, _, err := c.Next(buf); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkUpload uploads a file end to end to a local sink, at default
// settings; compare sizes and settings by their MB/s in one run.
func BenchmarkUpload(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			srv := sinkServer(b)
			path := filepath.Join(b.TempDir(), "in.mp4")
			if err := os.WriteFile(path, append(append([]byte{}, mp4Head...), make([]byte, size-len(mp4Head))...), 0o600); err != nil {
				b.Fatal(err)
			}
			c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				f, _ := os.Open(path)
				if _, err := c.Upload(b.Context(), f, Category("tweet_video")); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// BenchmarkUploadSeveral uploads 1 GiB as four 256 MiB files, one after the
// other through one Client, and reports the most heap in use at any time
// while it ran: memory must not grow with the bytes uploaded. (The CLI's
// peak RSS for one 256 MiB upload is measured by bench/run.sh.)
func BenchmarkUploadSeveral(b *testing.B) {
	srv := sinkServer(b)
	const size = 256 << 20
	path := filepath.Join(b.TempDir(), "in.mp4")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	f.Write(mp4Head)
	io.CopyN(f, zeros{}, size-int64(len(mp4Head)))
	f.Close()
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"))
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	b.SetBytes(4 * size)
	for b.Loop() {
		for range 4 {
			f, _ := os.Open(path)
			if _, err := c.Upload(b.Context(), f, Category("tweet_video")); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	}
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkResume uploads 1000 segments of 1 KiB to a local sink with a
// FileStore (its Save writes and fsyncs) and without a store: compare the
// two in one run for the cost of keeping the resume state.
func BenchmarkResume(b *testing.B) {
	const segs, chunk = 1000, 1 << 10
	data := append(append([]byte{}, mp4Head...), make([]byte, segs*chunk-len(mp4Head))...)
	for _, withStore := range []bool{false, true} {
		b.Run(fmt.Sprintf("store=%t", withStore), func(b *testing.B) {
			srv := sinkServer(b)
			c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"), WithChunkSize(chunk))
			if err != nil {
				b.Fatal(err)
			}
			store := FileStore{Path: filepath.Join(b.TempDir(), "state.json")}
			b.ReportAllocs()
			for b.Loop() {
				opts := []UploadOption{Category("tweet_video"), NoCheck()}
				if withStore {
					opts = append(opts, Resume(store))
				}
				if _, err := c.Upload(b.Context(), bytes.NewReader(data), opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkManyUploads runs n uploads of 256 KiB at once through one
// Client with the default budget, against a local sink: compare the MB/s
// of 1000 at once with 8 at once in one run; B/op shows that the memory
// does not grow with the number of uploads.
func BenchmarkManyUploads(b *testing.B) {
	const size = 256 << 10
	for _, n := range []int{8, 1000} {
		b.Run(fmt.Sprintf("uploads=%d", n), func(b *testing.B) {
			srv := sinkServer(b)
			c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"), WithChunkSize(64<<10))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n) * size)
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				var failed atomic.Int64
				for i := range n {
					wg.Go(func() {
						if _, err := c.Upload(b.Context(), patternFile(byte(i), size), MediaType("image/png"), NoCheck()); err != nil {
							failed.Add(1)
						}
					})
				}
				wg.Wait()
				if failed.Load() > 0 {
					b.Fatalf("%d uploads failed", failed.Load())
				}
			}
		})
	}
}
