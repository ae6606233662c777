package mediaupload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/mediaupload/mediaupload/internal/resume"
)

// ResumeStore keeps the saved state of one upload, a small JSON document ([FileStore]: in a file).
type ResumeStore interface {
	// Load returns the saved state, or nil and no error when there is none.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the saved state atomically: a crash leaves the old one or the new one.
	Save(ctx context.Context, state []byte) error
	// Remove deletes the saved state; removing none is not an error.
	Remove(ctx context.Context) error
}

// FileStore is a [ResumeStore] in one JSON file, replaced atomically by each Save.
type FileStore struct{ Path string }

// Load reads the file; a missing file is no state.
func (f FileStore) Load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(f.Path) // nil on any error
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mediaupload: reading resume file: %w", err)
	}
	return b, nil
}

// Save writes b to a temporary file, syncs it, renames it over the file and syncs the directory.
func (f FileStore) Save(_ context.Context, b []byte) error { return resume.WriteFile(f.Path, b) }

// Remove deletes the file.
func (f FileStore) Remove(context.Context) error {
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mediaupload: removing resume file: %w", err)
	}
	return nil
}
