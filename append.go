package mediaupload

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Append sends one segment of an upload started with [Client.Init]: index
// 0–999, 1 to [MaxChunkSize] bytes. The request is retried under the
// client's [RetryPolicy], rebuilt from data and signed anew each time;
// re-sending a segment replaces it.
func (c *Client) Append(ctx context.Context, mediaID string, index int, data []byte) error {
	return c.appendSegment(ctx, mediaID, index, data, false)
}

func (c *Client) appendSegment(ctx context.Context, mediaID string, index int, data []byte, asBase64 bool) error {
	switch {
	case mediaID == "":
		return fmt.Errorf("mediaupload: append: empty media id")
	case index < 0 || index >= MaxSegments:
		return fmt.Errorf("%w: segment index %d is outside 0–%d", ErrTooManySegments, index, MaxSegments-1)
	case len(data) == 0:
		return ErrEmptyMedia
	case len(data) > MaxChunkSize:
		return fmt.Errorf("%w: segment of %d bytes is over %d", ErrChunkSize, len(data), MaxChunkSize)
	}
	u, fields := c.dialect.appendForm(mediaID, index)
	body := newMultipartBody(fields, data, asBase64)
	_, _, err := c.send(ctx, StepAppend, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body.reader())
		if err != nil {
			return nil, err
		}
		req.ContentLength = body.len()
		req.Header.Set("Content-Type", body.contentType)
		return req, nil
	})
	return err
}

// multipartBody is a multipart/form-data body whose framing is encoded once
// and whose payload is streamed from the caller's chunk, never copied.
type multipartBody struct {
	contentType     string
	prefix, payload []byte
	suffix          []byte
}

// newMultipartBody frames data after fields, as file part "media", or as
// field "media_data" in base64 (which costs a copy).
func newMultipartBody(fields []formField, data []byte, asBase64 bool) *multipartBody {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		w.WriteField(f.name, f.value) // writes to memory: cannot fail
	}
	payload := data
	if asBase64 {
		payload = make([]byte, base64.StdEncoding.EncodedLen(len(data)))
		base64.StdEncoding.Encode(payload, data)
		w.CreateFormField("media_data")
	} else {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="media"; filename="media"`)
		h.Set("Content-Type", "application/octet-stream")
		w.CreatePart(h)
	}
	prefix := bytes.Clone(buf.Bytes())
	buf.Reset()
	w.Close()
	return &multipartBody{contentType: w.FormDataContentType(), prefix: prefix, payload: payload, suffix: bytes.Clone(buf.Bytes())}
}

func (b *multipartBody) len() int64 { return int64(len(b.prefix) + len(b.payload) + len(b.suffix)) }

// reader returns a fresh reader over the whole body, for one attempt.
func (b *multipartBody) reader() io.ReadCloser {
	return io.NopCloser(io.MultiReader(bytes.NewReader(b.prefix), bytes.NewReader(b.payload), bytes.NewReader(b.suffix)))
}

// appendAll sends every segment of plan with at most c.concurrency in
// flight. Chunk buffers come from a pool of concurrency+1, so memory does not
// grow with the input; a buffer returns to the pool only when its request,
// retries included, has finished. The first failure cancels the rest.
func (c *Client) appendAll(ctx context.Context, mediaID string, src *source, plan Plan, cfg *uploadConfig, done func(Segment)) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	pool := newBufferPool(c.concurrency+1, int(plan.ChunkSize))
	for i := range plan.Segments {
		seg := plan.Segment(i)
		buf, err := pool.get(gctx)
		if err != nil {
			break // a worker failed, or ctx is done: g.Wait says which
		}
		var data []byte
		if src.sequential() {
			if data, err = src.read(seg, buf); err == nil && i == plan.Segments-1 {
				err = src.checkEnd()
			}
			if err != nil {
				pool.put(buf)
				g.Go(func() error { return err })
				break
			}
		}
		g.Go(func() error {
			defer pool.put(buf)
			data := data
			if data == nil {
				var err error
				if data, err = src.read(seg, buf); err != nil {
					return err
				}
			}
			if err := c.appendSegment(gctx, mediaID, seg.Index, data, cfg.base64); err != nil {
				return &UploadError{Step: StepAppend, MediaID: mediaID, Segment: seg.Index, Err: err}
			}
			done(seg)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// bufferPool hands out at most n chunk buffers, allocated on first use.
type bufferPool struct {
	free chan []byte
	size int
}

func newBufferPool(n, size int) *bufferPool {
	p := &bufferPool{free: make(chan []byte, n), size: size}
	for range n {
		p.free <- nil
	}
	return p
}

// get waits for a free buffer or for ctx to end.
func (p *bufferPool) get(ctx context.Context) ([]byte, error) {
	select {
	case b := <-p.free:
		if b == nil {
			b = make([]byte, p.size)
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *bufferPool) put(b []byte) { p.free <- b }

// progressCounter turns finished segments into [Progress] reports, one at
// a time.
type progressCounter struct {
	mu   sync.Mutex
	p    Progress
	emit func(Progress)
}

func (pc *progressCounter) segmentDone(seg Segment) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.p.BytesSent += seg.Size
	pc.p.SegmentsDone++
	if pc.emit != nil {
		pc.emit(pc.p)
	}
}

func (pc *progressCounter) processing(m *Media) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.p.Processing = m.Processing
	if pc.emit != nil {
		pc.emit(pc.p)
	}
}
