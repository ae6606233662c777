package mediatest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/mediaupload/mediaupload/mediatest"
)

// The v2 dialect takes OAuth 2.0 user tokens as well as OAuth 1.0a.
func ExampleServer_OAuth2Client() {
	srv := mediatest.NewServer()
	defer srv.Close()
	client := srv.OAuth2Client() // sends Authorization: Bearer srv.OAuth2Token()

	// INIT
	resp, err := client.Post(srv.V2URL()+"/initialize", "application/json",
		strings.NewReader(`{"media_type":"image/png","total_bytes":11,"media_category":"tweet_image"}`))
	if err != nil {
		panic(err)
	}
	var init struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&init)
	resp.Body.Close()
	id := init.Data.ID

	// APPEND
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("segment_index", "0")
	w, _ := mw.CreateFormFile("media", "blob")
	_, _ = w.Write([]byte("hello media"))
	_ = mw.Close()
	resp, err = client.Post(srv.V2URL()+"/"+id+"/append", mw.FormDataContentType(), &body)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("APPEND", resp.StatusCode)

	// FINALIZE too early: a problem object.
	resp, err = client.Post(srv.V2URL()+"/1/finalize", "", nil)
	if err != nil {
		panic(err)
	}
	problem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("FINALIZE", resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Print(string(problem))

	// FINALIZE
	resp, err = client.Post(srv.V2URL()+"/"+id+"/finalize", "", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("FINALIZE", resp.StatusCode)

	// A request without credentials is refused.
	resp, err = http.Post(srv.V2URL()+"/initialize", "application/json", strings.NewReader(`{}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("no credentials", resp.StatusCode)

	m, _ := srv.Media(id)
	fmt.Printf("%s %s %q\n", m.State, m.MediaKey[:2], m.Data)
	for _, r := range srv.Requests() {
		fmt.Println(r.Dialect, r.Auth, r.Step, r.Status)
	}
	// Output:
	// APPEND 200
	// FINALIZE 400 application/problem+json
	// {"title":"Invalid Request","detail":"Invalid media id 1.","type":"https://api.x.com/2/problems/invalid-request","status":400}
	// FINALIZE 200
	// no credentials 401
	// succeeded 3_ "hello media"
	// 2 oauth2 INIT 200
	// 2 oauth2 APPEND 200
	// 2 oauth2 FINALIZE 400
	// 2 oauth2 FINALIZE 200
	// 2  INIT 401
}
