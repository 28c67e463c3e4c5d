// Package audio tells how long an audio file plays, for the services that
// bill audio by the second (OpenAI's whisper-1 bills the uploaded file's
// length; speech models by what they spoke). Each container is read by a
// maintained decoder library: WAV by go-audio/wav, MP3 by go-mp3, FLAC by
// mewkiz/flac, Ogg pages by pion's oggreader, MP4/M4A boxes by abema's
// go-mp4 and WebM (Matroska) elements by ebml-go. Nothing is decoded beyond
// what the length needs.
package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-audio/wav"
	"github.com/hajimehoshi/go-mp3"
	"github.com/mewkiz/flac"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// ErrUnknownFormat is returned for a file none of the readers recognise,
// or a stream inside a known container that byok cannot time: the caller
// then has no duration to bill and must say so rather than guess.
var ErrUnknownFormat = errors.New("unknown audio format")

// Format names a container by its first bytes: "wav", "mp3", "flac",
// "ogg", "m4a", "webm", or "" when none matches.
func Format(data []byte) string {
	switch {
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE":
		return "wav"
	case bytes.HasPrefix(data, []byte("fLaC")):
		return "flac"
	case bytes.HasPrefix(data, []byte("OggS")):
		return "ogg"
	case len(data) >= 8 && string(data[4:8]) == "ftyp":
		return "m4a"
	case bytes.HasPrefix(data, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return "webm"
	case bytes.HasPrefix(data, []byte("ID3")), len(data) >= 2 && data[0] == 0xff && data[1]&0xe0 == 0xe0:
		return "mp3"
	}
	return ""
}

// durations reads the length of each format Format recognises.
var durations = map[string]func([]byte) (time.Duration, error){
	"wav":  wavDuration,
	"mp3":  mp3Duration,
	"flac": flacDuration,
	"ogg":  oggDuration,
	"m4a":  mp4Duration,
	"webm": webmDuration,
}

// Duration returns how long the audio in data plays. data is whatever a
// client uploaded, so a decoder library that panics on a malformed file
// (go-mp3 indexes past its tables on some) gives an error, not a crash.
func Duration(data []byte) (d time.Duration, err error) {
	f := Format(data)
	defer func() {
		if p := recover(); p != nil {
			d, err = 0, fmt.Errorf("read %s: the file is malformed (%v)", strings.ToUpper(f), p)
		}
	}()
	read, ok := durations[f]
	if !ok {
		return 0, ErrUnknownFormat
	}
	if d, err = read(data); err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("the audio file holds no samples")
	}
	return d, nil
}

func wavDuration(data []byte) (time.Duration, error) {
	dec := wav.NewDecoder(bytes.NewReader(data))
	if !dec.IsValidFile() {
		return 0, errors.New("read WAV: not a valid WAV file")
	}
	// The library's own Duration counts the whole RIFF chunk, headers
	// included; the data chunk's size is the samples alone.
	if err := dec.FwdToPCM(); err != nil {
		return 0, fmt.Errorf("read WAV: %w", err)
	}
	f := dec.Format()
	frame := int64(f.NumChannels) * int64(dec.SampleBitDepth()) / 8
	if f.SampleRate <= 0 || frame <= 0 {
		return 0, errors.New("read WAV: the format chunk gives no sample rate or size")
	}
	return time.Duration(int64(dec.PCMSize) / frame * int64(time.Second) / int64(f.SampleRate)), nil
}

func mp3Duration(data []byte) (time.Duration, error) {
	dec, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("read MP3: %w", err)
	}
	rate := int64(dec.SampleRate())
	if rate <= 0 || dec.Length() <= 0 {
		return 0, errors.New("read MP3: no frames")
	}
	// Length counts decoded bytes: 16-bit samples on two channels.
	samples := dec.Length() / 4
	return time.Duration(samples * int64(time.Second) / rate), nil
}

func flacDuration(data []byte) (time.Duration, error) {
	stream, err := flac.New(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("read FLAC: %w", err)
	}
	defer stream.Close()
	info := stream.Info
	if info == nil || info.SampleRate == 0 || info.NSamples == 0 {
		return 0, errors.New("read FLAC: the stream info gives no length")
	}
	return time.Duration(info.NSamples * uint64(time.Second) / uint64(info.SampleRate)), nil
}

// oggDuration reads the pages of an Ogg file: the first holds the codec's
// identification header, the last granule position the stream's length in
// samples. Opus counts them at 48 kHz after its pre-skip (RFC 7845 §4);
// Vorbis at the rate its identification header names.
func oggDuration(data []byte) (time.Duration, error) {
	r, err := oggreader.NewWithOptions(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("read Ogg: %w", err)
	}
	first, _, err := r.ParseNextPage()
	if err != nil {
		return 0, fmt.Errorf("read Ogg: %w", err)
	}
	var rate, skip uint64
	switch {
	case bytes.HasPrefix(first, []byte("OpusHead")):
		head, err := oggreader.ParseOpusHead(first)
		if err != nil {
			return 0, fmt.Errorf("read Ogg Opus: %w", err)
		}
		rate, skip = 48000, uint64(head.PreSkip)
	case len(first) >= 16 && bytes.HasPrefix(first, []byte("\x01vorbis")):
		// The Vorbis identification header: packet type, "vorbis",
		// version (4 bytes), channels (1), then the sample rate.
		rate = uint64(binary.LittleEndian.Uint32(first[12:16]))
	default:
		return 0, fmt.Errorf("%w: an Ogg stream of neither Opus nor Vorbis", ErrUnknownFormat)
	}
	if rate == 0 {
		return 0, errors.New("read Ogg: the stream names no sample rate")
	}
	var last uint64
	for {
		_, h, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read Ogg: %w", err)
		}
		// -1 marks a page on which no packet ends.
		if h.GranulePosition != ^uint64(0) {
			last = h.GranulePosition
		}
	}
	if last <= skip {
		return 0, errors.New("read Ogg: no audio pages")
	}
	return time.Duration((last - skip) * uint64(time.Second) / rate), nil
}
