package providers

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/openai/openai-go/v3"
)

// ImageRequest asks for images made from a text prompt.
type ImageRequest struct {
	Model  string // the provider's model id
	Prompt string
	// Size ("1024x1024") and Quality ("standard", "hd", "low"…) are left
	// to the model's defaults when empty.
	Size, Quality string
	// N is how many images to make; 0 means one.
	N int
	// Poll, when set, is told of each request made while waiting for an
	// asynchronous task (Black Forest Labs' get_result), as it returns.
	Poll func(Poll)
}

// Poll is one request made while waiting for an image task. Providers do
// not bill polls; the caller records each as a free call on the same key,
// as the proxy records a poll it relays.
type Poll struct {
	// Name is the request's method and path, "GET v1/get_result": the
	// name a proxied poll is recorded under too.
	Name string
	// Result holds the poll's HTTP status, request id and latency.
	Result Result
	// Err is the poll's failure, nil when it was answered.
	Err error
}

// startImageRun starts the run of one image request to spec, which must
// have a base URL, and returns that URL. The cancel must be called.
func startImageRun(ctx context.Context, spec Spec, opt Options, req ImageRequest) (string, *run, context.CancelFunc, error) {
	base, err := baseURL(spec)
	if err != nil {
		return "", nil, nil, err
	}
	msgs := []Message{{Role: RoleUser, Content: req.Prompt}}
	r, cancel := startRun(ctx, spec, opt, Request{Model: req.Model, Messages: msgs, NoStream: true}, nil)
	return base, r, cancel, nil
}

// Image is one generated image: its bytes, or the address to fetch them
// from when the provider answered with a URL.
type Image struct {
	Data []byte
	URL  string
	// RevisedPrompt is the prompt the model drew from, when it rewrote it.
	RevisedPrompt string
}

// GenerateImages makes images with OpenAI's Images API (or a compatible
// one) and returns them with the request's Result: its usage read from the
// reply (GPT Image tokens, the images made, their size and quality), the
// size and quality asked for filled in where the reply does not state them.
// DALL·E is asked for base64 data, so nothing has to be fetched afterwards.
func GenerateImages(ctx context.Context, spec Spec, secret string, opt Options, req ImageRequest) ([]Image, Result, error) {
	if secret == "" && !spec.NoKey {
		return nil, Result{}, missingKey(spec)
	}
	if spec.Kind == KindBFL {
		return generateBFL(ctx, spec, secret, opt, req)
	}
	if spec.Kind == KindDemo {
		return nil, Result{}, errors.New("the offline demo makes no images (it simulates replies, not pictures): " +
			"in a home of your own, `byok prompt --image` makes them with an OpenAI or Black Forest Labs key")
	}
	if spec.Kind != KindOpenAI {
		return nil, Result{}, fmt.Errorf("%s does not serve OpenAI's Images API: byok makes images with Black Forest Labs and OpenAI-compatible providers (openai, and those that copy its /images/generations)", spec.Name)
	}
	base, r, cancel, err := startImageRun(ctx, spec, opt, req)
	if err != nil {
		return nil, Result{}, err
	}
	defer cancel()
	p := openai.ImageGenerateParams{Prompt: req.Prompt, Model: openai.ImageModel(req.Model)}
	if req.N > 1 {
		p.N = openai.Int(int64(req.N))
	}
	if req.Size != "" {
		p.Size = openai.ImageGenerateParamsSize(req.Size)
	}
	if req.Quality != "" {
		p.Quality = openai.ImageGenerateParamsQuality(req.Quality)
	}
	if strings.HasPrefix(req.Model, "dall-e") {
		// GPT Image models always answer in base64 and refuse the field.
		p.ResponseFormat = openai.ImageGenerateParamsResponseFormatB64JSON
	}
	svc := openai.NewImageService(openaiOptions(base, secret, httpClient(opt))...)
	resp, err := svc.Generate(r.ctx, p)
	if err != nil {
		res, err := r.done(err)
		return nil, res, err
	}
	u, ok := ImageReply([]byte(resp.RawJSON()))
	if !ok || u.Images == 0 {
		res, err := r.done(errors.New("the reply holds no images"))
		return nil, res, err
	}
	r.mark()
	u.ImageSize = cmp.Or(u.ImageSize, req.Size)
	u.ImageQuality = cmp.Or(u.ImageQuality, req.Quality)
	if u.ImageSize == "" && strings.HasPrefix(req.Model, "dall-e") {
		u.ImageSize = "1024x1024" // both DALL·E models' default
	}
	if u.ImageQuality == "" && req.Model == "dall-e-3" {
		u.ImageQuality = "standard"
	}
	r.setUsage(u)
	images := make([]Image, 0, len(resp.Data))
	for i, d := range resp.Data {
		img := Image{URL: d.URL, RevisedPrompt: d.RevisedPrompt}
		if d.B64JSON != "" {
			b, err := base64.StdEncoding.DecodeString(d.B64JSON)
			if err != nil {
				res, err := r.done(fmt.Errorf("image %d is not valid base64: %w", i+1, err))
				return images, res, err
			}
			img.Data = b
		}
		images = append(images, img)
	}
	res, err := r.done(nil)
	return images, res, err
}
