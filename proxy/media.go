package proxy

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/providers/audio"
)

// Media endpoints: billed per image, per second of audio or per character
// rather than (only) per token.
const (
	mediaImages        = "images"
	mediaTranscription = "transcription"
	mediaSpeech        = "speech"
	mediaBFL           = "bfl"
)

// mediaRequest is what the proxy read from a media request: what the reply
// may not say again (the size and quality asked for, the uploaded audio's
// length, the characters to speak).
type mediaRequest struct {
	kind          string
	size, quality string
	images        int64
	audioMillis   int64
	// audioErr says why an uploaded file could not be timed.
	audioErr   error
	characters int64
	// pcm is true when speech was asked as raw PCM, which has no header.
	pcm bool
}

// multipartForm parses a multipart/form-data body, or returns nil for any
// other body. Values are the text fields; files the first file of each
// file field.
type multipartForm struct {
	boundary string
	values   map[string]string
	files    map[string][]byte
}

func parseMultipart(r *http.Request, body []byte) *multipartForm {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil
	}
	f := &multipartForm{boundary: params["boundary"], values: map[string]string{}, files: map[string][]byte{}}
	mr := multipart.NewReader(bytes.NewReader(body), f.boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, err := io.ReadAll(p)
		if err != nil {
			break
		}
		name := p.FormName()
		switch {
		case p.FileName() != "":
			if _, seen := f.files[name]; !seen {
				f.files[name] = b
			}
		case name != "":
			if _, seen := f.values[name]; !seen {
				f.values[name] = string(b)
			}
		}
	}
	return f
}

// requestModel reads a request's model: the JSON body's "model", or the
// "model" field of a multipart form (audio transcriptions, image edits).
func requestModel(r *http.Request, body []byte) string {
	if f := parseMultipart(r, body); f != nil {
		return strings.TrimSpace(f.values["model"])
	}
	return jsonModel(body)
}

// setModel writes model into the request body: the JSON "model" field, or
// a multipart form's "model" field, every other part copied as it came and
// the boundary kept, so the Content-Type the client sent stays true.
func setModel(r *http.Request, body []byte, model string) ([]byte, error) {
	f := parseMultipart(r, body)
	if f == nil {
		return sjson.SetBytes(body, "model", model)
	}
	var out bytes.Buffer
	w := multipart.NewWriter(&out)
	if err := w.SetBoundary(f.boundary); err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), f.boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		pw, err := w.CreatePart(p.Header)
		if err != nil {
			return nil, err
		}
		if p.FormName() == "model" && p.FileName() == "" {
			_, err = io.WriteString(pw, model)
		} else {
			_, err = io.Copy(pw, p)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// placeMedia notes what a media request asks for and returns the model to
// record. Black Forest Labs names the model in the path (/v1/flux-pro-1.1);
// its polls (get_result) and account calls are free.
func (t *target) placeMedia(r *http.Request, model string) string {
	p := strings.Trim(t.path, "/")
	if t.spec.Kind == providers.KindBFL {
		last := p[strings.LastIndexByte(p, '/')+1:]
		if r.Method != http.MethodPost || last == "get_result" || last == "credits" || strings.Contains(p, "finetune") {
			t.free = true
			return model
		}
		t.media = &mediaRequest{kind: mediaBFL, images: 1}
		return last
	}
	if t.kind != providers.KindOpenAI && t.kind != providers.KindAzure {
		return model
	}
	switch {
	case strings.HasSuffix(p, "images/generations"), strings.HasSuffix(p, "images/edits"), strings.HasSuffix(p, "images/variations"):
		m := &mediaRequest{kind: mediaImages, images: 1}
		fields := func(name string) string { return text(gjson.GetBytes(t.body, name)) }
		if f := parseMultipart(r, t.body); f != nil {
			fields = func(name string) string { return f.values[name] }
		}
		m.size, m.quality = fields("size"), fields("quality")
		if n, err := strconv.ParseInt(strings.TrimSpace(fields("n")), 10, 64); err == nil && n > 0 {
			m.images = n
		}
		if m.size == "" && (model == "dall-e-2" || model == "dall-e-3") {
			m.size = "1024x1024" // the API's default for both
		}
		if m.quality == "" && model == "dall-e-3" {
			m.quality = "standard"
		}
		t.media = m
	case strings.HasSuffix(p, "audio/transcriptions"), strings.HasSuffix(p, "audio/translations"):
		m := &mediaRequest{kind: mediaTranscription}
		if f := parseMultipart(r, t.body); f != nil {
			if file, ok := f.files["file"]; ok {
				d, err := audio.Duration(file)
				m.audioMillis, m.audioErr = d.Milliseconds(), err
			}
		}
		t.media = m
	case strings.HasSuffix(p, "audio/speech"):
		t.media = &mediaRequest{kind: mediaSpeech,
			characters: providers.Characters(text(gjson.GetBytes(t.body, "input"))),
			pcm:        text(gjson.GetBytes(t.body, "response_format")) == "pcm"}
	}
	return model
}

func text(v gjson.Result) string {
	if v.Type == gjson.String {
		return strings.TrimSpace(v.Str)
	}
	if v.Type == gjson.Number {
		return v.Raw
	}
	return ""
}

// usageReader is the reader of a target's reply: the media reader for
// media endpoints, the API kind's token reader otherwise.
func usageReader(t *target) providers.UsageReader {
	if t.media != nil {
		return &mediaReader{req: *t.media}
	}
	return providers.NewUsageReader(t.kind, t.spec.ID)
}

// pcmRate is the byte rate of the speech API's raw PCM: 24 kHz, 16-bit
// mono samples.
const pcmRate = 24000 * 2

// mediaReader reads the usage of a media reply from its body or the events
// of its stream, and falls back on what the request said.
type mediaReader struct {
	req  mediaRequest
	u    providers.Usage
	seen bool
	// audioMillis is the length of a speech reply's audio.
	audioMillis int64
	audioErr    error
}

func (m *mediaReader) Feed(data []byte) {
	switch m.req.kind {
	case mediaImages:
		if u, ok := providers.ImageReply(data); ok {
			size, quality := m.u.ImageSize, m.u.ImageQuality
			m.u.Input += u.Input
			m.u.InputImage += u.InputImage
			m.u.Output += u.Output
			m.u.OutputImage += u.OutputImage
			m.u.Images += u.Images
			m.u.ImageSize, m.u.ImageQuality = cmp.Or(u.ImageSize, size), cmp.Or(u.ImageQuality, quality)
			m.seen = true
		}
	case mediaTranscription:
		if u, ok := providers.TranscriptionReply(data); ok {
			m.u, m.seen = u, true
		}
	case mediaSpeech:
		if u, ok := providers.SpeechEvent(data); ok {
			m.u, m.seen = u, true
			return
		}
		if m.req.pcm {
			m.audioMillis += int64(len(data)) * 1000 / pcmRate
			return
		}
		if d, err := audio.Duration(data); err == nil {
			m.audioMillis = d.Milliseconds()
		} else if m.audioMillis == 0 {
			m.audioErr = err
		}
	case mediaBFL:
		if u, ok := providers.BFLSubmit(data); ok {
			m.u, m.seen = u, true
		}
	}
}

// Usage returns what the reply said, completed with what the request
// said. A reply that did not say enough to price it, and a request whose
// audio could not be timed, come back Unmeasured: unpriced, never $0.
func (m *mediaReader) Usage() (providers.Usage, bool) {
	u := m.u
	switch m.req.kind {
	case mediaImages:
		if !m.seen {
			// An answer byok could not read: the images asked for.
			u = providers.Usage{Images: m.req.images, Estimated: true}
		}
		u.ImageSize, u.ImageQuality = cmp.Or(u.ImageSize, m.req.size), cmp.Or(u.ImageQuality, m.req.quality)
	case mediaTranscription:
		if !m.seen {
			u = providers.Usage{AudioMillis: m.req.audioMillis, Unmeasured: m.req.audioMillis == 0}
		}
		if u.AudioMillis == 0 {
			u.AudioMillis = m.req.audioMillis
		}
	case mediaSpeech:
		u.Characters = m.req.characters
		if !m.seen {
			u.AudioMillis = m.audioMillis
		}
	case mediaBFL:
		if !m.seen {
			u = providers.Usage{Images: m.req.images, Estimated: true}
		}
	}
	return u, true
}
