module github.com/mediaupload/mediaupload

go 1.26.0

require (
	github.com/Eyevinn/mp4ff v0.56.0
	github.com/dghubble/oauth1 v0.7.3
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.25.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
