package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// defaultPostURL is X's endpoint for creating posts.
const defaultPostURL = "https://api.x.com/2/tweets"

// maxAnswer caps how much of an answer is read.
const maxAnswer = 64 << 10

// postRequest is the body of POST /2/tweets.
type postRequest struct {
	Text  string    `json:"text,omitempty"`
	Media postMedia `json:"media"`
}

type postMedia struct {
	MediaIDs []string `json:"media_ids"`
}

// postAnswer is the answer of POST /2/tweets: data on success, an error in
// one of X's v2 shapes otherwise.
type postAnswer struct {
	Data struct {
		ID string `json:"id"`
	} `json:"data"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// post creates a post with text and the media through client, which signs
// the request, and returns the post's id.
func post(ctx context.Context, client *http.Client, url, text string, mediaIDs ...string) (string, error) {
	body, err := json.Marshal(postRequest{Text: text, Media: postMedia{MediaIDs: mediaIDs}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("post: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("post: reading the answer: %w", err)
	}
	var a postAnswer
	jsonErr := json.Unmarshal(raw, &a)
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("post: %s%s", resp.Status, a.reasons())
	}
	if jsonErr != nil || a.Data.ID == "" {
		return "", fmt.Errorf("post: %s with no post id", resp.Status)
	}
	return a.Data.ID, nil
}

// reasons joins what an error answer says, after ": ".
func (a postAnswer) reasons() string {
	var parts []string
	for _, s := range []string{a.Title, a.Detail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	for _, e := range a.Errors {
		if e.Message != "" {
			parts = append(parts, e.Message)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, " ")
}
