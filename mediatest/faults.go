package mediatest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Step names a request kind of the upload API (and of posting, StepTweet);
// faults match on it.
type Step string

// The steps of the upload API.
const (
	StepInit      Step = "INIT"
	StepAppend    Step = "APPEND"
	StepFinalize  Step = "FINALIZE"
	StepStatus    Step = "STATUS"
	StepMetadata  Step = "METADATA"  // alt text: /1.1/media/metadata/create.json, /2/media/metadata
	StepSubtitles Step = "SUBTITLES" // subtitles: /1.1/media/subtitles/create.json, /2/media/subtitles
	// StepSimple is the v1.1 one-shot (simple) upload: POST
	// /1.1/media/upload.json with no command and the whole image as "media"
	// (or base64 "media_data").
	StepSimple Step = "SIMPLE"
	// StepTweet creates a post with the uploaded media: POST /2/tweets
	// (see [Server.Posts]).
	StepTweet Step = "TWEET"
)

// AnySegment is the [Fault.Segment] value that matches every APPEND.
const AnySegment = -1

// Fault is a failure injected with [Server.InjectFault]. A fault answers
// with Status, or drops the connection (Drop), or processes the request and
// then drops the connection (LoseAnswer), or processes it and reshapes or
// trickles its answer (Reshape, Trickle); at most one of these four may be
// set (Reshape and Trickle count as one). Hang may be combined with any of them, or used alone to delay a
// request that is then served normally. A fault answered with Status or
// Drop changes no server state: the request is not authenticated, its
// nonce is not used up and no media changes.
type Fault struct {
	// Step is the request kind the fault applies to. Required.
	Step Step
	// Dialect is the API dialect the fault applies to: "1.1", "2", or ""
	// for both.
	Dialect string
	// Segment is, for StepAppend only, the segment_index the fault applies
	// to: the zero value matches segment 0 only, AnySegment matches every
	// segment. Ignored for other steps.
	Segment int
	// Times is how many matching requests the fault affects; 0 means 1.
	Times int
	// Status is the HTTP status answered (for example 503, 429 or 400),
	// with a body in the dialect's error shape: X's v1.1 JSON errors, or
	// for v2 an RFC 7807 problem object ({"errors":[…]} for 429).
	Status int
	// RetryAfter, when not empty, is sent as the Retry-After header with Status.
	RetryAfter string
	// RateLimitReset, when not zero, is sent with Status as
	// x-rate-limit-reset (epoch seconds), with x-rate-limit-limit and
	// x-rate-limit-remaining: 0.
	RateLimitReset time.Time
	// Drop closes the connection without any answer.
	Drop bool
	// Hang waits this long before anything else, or until the client goes
	// away or the server is closed (then the connection is dropped).
	Hang time.Duration
	// LoseAnswer processes the request normally, state changes included,
	// then drops the connection instead of answering: for example a
	// FINALIZE that succeeded but whose answer never arrived.
	LoseAnswer bool
	// Reshape processes the request normally, state changes included, then
	// changes its answer before it is sent: an answer shape the real
	// service or a proxy may send and this server does not by itself (see
	// [WithoutField], [SetField], [ReplaceAnswer]).
	Reshape func(*Answer)
	// Trickle processes the request normally, then sends the answer's body
	// one byte at a time, this long apart (after Reshape, if set): a slow
	// or hostile peer.
	Trickle time.Duration
}

// validate panics on a fault that cannot be applied: the caller is a test.
func (f Fault) validate() {
	if err := f.check(); err != nil {
		panic(err.Error())
	}
}

// check reports why a fault cannot be applied, if it cannot.
func (f Fault) check() error {
	switch f.Step {
	case StepInit, StepAppend, StepFinalize, StepStatus, StepMetadata, StepSubtitles, StepSimple, StepTweet:
	default:
		return errors.New("mediatest: Fault.Step " + strconv.Quote(string(f.Step)) + " is not a step")
	}
	switch f.Dialect {
	case "", dialectV1, dialectV2:
	default:
		return errors.New("mediatest: Fault.Dialect " + strconv.Quote(f.Dialect) + ` is not "", "1.1" or "2"`)
	}
	n := 0
	for _, set := range []bool{f.Status != 0, f.Drop, f.LoseAnswer, f.Reshape != nil || f.Trickle > 0} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("mediatest: Fault sets more than one of Status, Drop, LoseAnswer and Reshape/Trickle")
	case n == 0 && f.Hang <= 0:
		return errors.New("mediatest: Fault does nothing: set Status, Drop, LoseAnswer, Reshape, Trickle or Hang")
	case f.Trickle < 0:
		return errors.New("mediatest: Fault.Trickle is negative")
	case f.Status != 0 && (f.Status < 300 || f.Status > 599):
		return errors.New("mediatest: Fault.Status " + strconv.Itoa(f.Status) + " is not an error status")
	case f.Times < 0:
		return errors.New("mediatest: Fault.Times is negative")
	case f.Step == StepAppend && f.Segment < AnySegment:
		return errors.New("mediatest: Fault.Segment is negative")
	case (f.RetryAfter != "" || !f.RateLimitReset.IsZero()) && f.Status == 0:
		return errors.New("mediatest: Fault.RetryAfter and RateLimitReset need a Status")
	}
	return nil
}

func (f Fault) matches(step Step, dialect string, segment int) bool {
	return f.Step == step && (f.Dialect == "" || f.Dialect == dialect) &&
		(step != StepAppend || f.Segment == AnySegment || f.Segment == segment)
}

// faults holds the injected faults and the random fault source of one
// Server. It is safe for concurrent use.
type faults struct {
	mu       sync.Mutex
	injected []*pendingFault
	random   *randomFaults // nil without WithRandomFaults
}

type pendingFault struct {
	Fault
	left int
}

// randomFaults fails requests at random, deterministically for a seed: the
// n-th request for a given (step, media, segment) gets the same decision in
// every run, whatever the interleaving of concurrent requests.
type randomFaults struct {
	rate  float64
	seed  int64
	steps []Step
	seen  map[string]uint64
}

func (fs *faults) add(f Fault) {
	f.validate()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.injected = append(fs.injected, &pendingFault{Fault: f, left: max(f.Times, 1)})
}

// match returns the fault for a request, if any, and uses it up: injected
// faults first, in the order injected, then random faults.
func (fs *faults) match(step Step, dialect, mediaID string, segment int) (Fault, bool) {
	if step == "" {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, p := range fs.injected {
		if p.matches(step, dialect, segment) {
			p.left--
			if p.left == 0 {
				fs.injected = append(fs.injected[:i:i], fs.injected[i+1:]...)
			}
			return p.Fault, true
		}
	}
	if fs.random == nil {
		return Fault{}, false
	}
	return fs.random.pick(step, mediaID, segment)
}

func (rf *randomFaults) pick(step Step, mediaID string, segment int) (Fault, bool) {
	applies := false
	for _, s := range rf.steps {
		applies = applies || s == step
	}
	if !applies {
		return Fault{}, false
	}
	key := string(step) + "/" + mediaID + "/" + strconv.Itoa(segment)
	n := rf.seen[key]
	rf.seen[key]++

	h := fnv.New64a()
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(rf.seed))
	binary.LittleEndian.PutUint64(buf[8:], n)
	h.Write(buf[:])
	h.Write([]byte(key))
	x := splitmix64(h.Sum64())
	if float64(x>>11)/(1<<53) >= rf.rate {
		return Fault{}, false
	}
	f := Fault{Step: step}
	switch splitmix64(x) % 4 {
	case 0:
		f.Status = http.StatusInternalServerError
	case 1:
		f.Status = http.StatusServiceUnavailable
	case 2:
		f.Status = http.StatusTooManyRequests
	default:
		f.Drop = true
	}
	return f, true
}

// splitmix64 is the SplitMix64 finalizer, used to spread hash bits.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// hang waits for d; it reports false when the client went away or the
// server is closing first.
func (s *Server) hang(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// faultAnswer answers a request with the fault's status and headers.
func (x *exchange) faultAnswer(f Fault) {
	h := x.w.Header()
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	if !f.RateLimitReset.IsZero() {
		h.Set("x-rate-limit-limit", "180")
		h.Set("x-rate-limit-remaining", "0")
		h.Set("x-rate-limit-reset", strconv.FormatInt(f.RateLimitReset.Unix(), 10))
	}
	x.fail(faultError(f.Status))
}

// faultError is the error a fault answers with, in X's words for the
// statuses X documents.
func faultError(status int) *apiError {
	e := &apiError{status: status, code: codeInternal, message: fmt.Sprintf("Injected fault (HTTP %d).", status)}
	switch status {
	case http.StatusTooManyRequests:
		e.code, e.message = codeRateLimit, "Rate limit exceeded."
	case http.StatusServiceUnavailable:
		e.code, e.message = codeOverCapacity, "Over capacity."
	case http.StatusInternalServerError:
		e.message = "Internal error."
	}
	return e
}
