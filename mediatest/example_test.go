package mediatest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/mediaupload/mediaupload/mediatest"
)

// A test drives its upload code against the server with the signed client,
// then reads back what arrived, including injected faults.
func ExampleNewServer() {
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	defer srv.Close()
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 0, Status: 503, RetryAfter: "0"})
	client := srv.Client()

	// INIT
	resp, err := client.PostForm(srv.UploadURL(), url.Values{
		"command": {"INIT"}, "total_bytes": {"11"}, "media_type": {"image/png"},
	})
	if err != nil {
		panic(err)
	}
	var init struct {
		MediaIDString string `json:"media_id_string"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&init)
	resp.Body.Close()
	id := init.MediaIDString

	// APPEND, retried once after the injected 503.
	for range 2 {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("command", "APPEND")
		_ = mw.WriteField("media_id", id)
		_ = mw.WriteField("segment_index", "0")
		w, _ := mw.CreateFormFile("media", "blob")
		_, _ = w.Write([]byte("hello media"))
		_ = mw.Close()
		resp, err := client.Post(srv.UploadURL(), mw.FormDataContentType(), &body)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println("APPEND", resp.StatusCode)
	}

	// FINALIZE
	resp, err = client.Post(srv.UploadURL(), "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"command": {"FINALIZE"}, "media_id": {id}}.Encode()))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("FINALIZE", resp.StatusCode)

	m, _ := srv.Media(id)
	fmt.Printf("%s %q %s\n", m.State, m.Data, m.SHA256[:12])
	for _, r := range srv.Requests() {
		fmt.Println(r.Step, r.Status, r.Fault)
	}
	fmt.Println(len(srv.Deviations()))
	// Output:
	// APPEND 503
	// APPEND 204
	// FINALIZE 201
	// succeeded "hello media" d28d2954ff97
	// INIT 202 false
	// APPEND 503 true
	// APPEND 204 false
	// FINALIZE 201 false
	// 0
}
