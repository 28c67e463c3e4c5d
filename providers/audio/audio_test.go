package audio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// writeWAV writes seconds of silence as a 16-bit mono WAV file at rate,
// with the library's own encoder.
func writeWAV(t *testing.T, rate, samples int) []byte {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := wav.NewEncoder(f, rate, 16, 1, 1)
	buf := &goaudio.IntBuffer{Format: &goaudio.Format{NumChannels: 1, SampleRate: rate}, Data: make([]int, samples), SourceBitDepth: 16}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTestdata reads testdata/name.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDuration times real files: a WAV written here, and MP3, FLAC, Ogg
// Vorbis, Ogg Opus, M4A (AAC) and WebM (Opus) files of a 2.5-second tone
// made with sox, opusenc and ffmpeg (testdata/README.md says how).
func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		format string
		want   time.Duration
		slack  time.Duration
	}{
		{"wav 16 kHz, 3.25 s", writeWAV(t, 16000, 52000), "wav", 3250 * time.Millisecond, 0},
		// MP3 frames hold 1,152 samples each: the encoder pads the last one.
		{"mp3", readTestdata(t, "tone.mp3"), "mp3", 2500 * time.Millisecond, 100 * time.Millisecond},
		{"flac", readTestdata(t, "tone.flac"), "flac", 2500 * time.Millisecond, 0},
		{"ogg vorbis", readTestdata(t, "tone.ogg"), "ogg", 2500 * time.Millisecond, 0},
		{"ogg opus", readTestdata(t, "tone.opus"), "ogg", 2500 * time.Millisecond, 0},
		// The movie header states the length the edit list trims to.
		{"m4a", readTestdata(t, "tone.m4a"), "m4a", 2500 * time.Millisecond, 0},
		// A fragmented file (as browsers record) states each fragment's
		// length; AAC frames hold 1,024 samples (64 ms at 16 kHz), and the
		// encoder's priming frame is counted too.
		{"m4a fragmented", readTestdata(t, "tone-fragmented.m4a"), "m4a", 2500 * time.Millisecond, 100 * time.Millisecond},
		// ffmpeg writes Info's Duration (2.508 s: Opus frames are 20 ms).
		{"webm", readTestdata(t, "tone.webm"), "webm", 2500 * time.Millisecond, 20 * time.Millisecond},
		// Written to a pipe, as a recorder writes it: no Duration, so the
		// length is where the last block ends.
		{"webm recorded live", readTestdata(t, "tone-live.webm"), "webm", 2500 * time.Millisecond, 30 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := Format(tc.data); f != tc.format {
				t.Errorf("Format = %q, want %q", f, tc.format)
			}
			got, err := Duration(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if d := got - tc.want; d < -tc.slack || d > tc.slack {
				t.Errorf("Duration = %v, want %v ± %v", got, tc.want, tc.slack)
			}
		})
	}
}

// TestDurationRefuses: what cannot be timed is an error, never a length.
func TestDurationRefuses(t *testing.T) {
	m4a := append([]byte{0, 0, 0, 0x20}, []byte("ftypM4A \x00\x00\x02\x00")...)
	for _, tc := range []struct {
		name    string
		data    []byte
		unknown bool
	}{
		{"text", []byte("hello, not audio"), true},
		{"m4a header alone", m4a, false},
		{"m4a cut before its movie box", readTestdata(t, "tone.m4a")[:600], false},
		{"webm cut in its header", readTestdata(t, "tone.webm")[:30], false},
		{"empty", nil, true},
		{"cut wav header", writeWAV(t, 8000, 800)[:20], false},
		{"wav without samples", writeWAV(t, 8000, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Duration(tc.data)
			if err == nil {
				t.Fatalf("Duration = %v, want an error", d)
			}
			if errors.Is(err, ErrUnknownFormat) != tc.unknown {
				t.Errorf("error %v: unknown format %v, want %v", err, errors.Is(err, ErrUnknownFormat), tc.unknown)
			}
		})
	}
	if _, err := Duration(bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x00}, 4)); err == nil {
		t.Error("a run of bare MP3 frame headers was timed")
	}
}

// FuzzDuration: an upload is whatever a client sends, so no byte string may
// make a reader panic or give a negative length.
func FuzzDuration(f *testing.F) {
	for _, name := range []string{"tone.mp3", "tone.flac", "tone.ogg", "tone.opus", "tone.m4a", "tone-fragmented.m4a", "tone.webm", "tone-live.webm"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := Duration(data); err == nil && d <= 0 {
			t.Errorf("Duration = %v without an error", d)
		}
	})
}
