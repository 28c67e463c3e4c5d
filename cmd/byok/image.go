package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// imageOptions are byok prompt's flags for making images.
type imageOptions struct {
	on            bool
	size, quality string
	n             int
	out           string
}

func (o *imageOptions) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&o.on, "image", false, "make an image from the prompt (OpenAI's Images API: dall-e-3, gpt-image-1…; Black Forest Labs: bfl/flux-pro-1.1…)")
	fl.StringVar(&o.size, "size", "", "with --image: the size, e.g. 1024x1024, 1792x1024 (default: the model's)")
	fl.StringVar(&o.quality, "quality", "", "with --image: standard or hd (DALL·E 3), low, medium or high (GPT Image)")
	fl.IntVar(&o.n, "images", 1, "with --image: how many images to make")
	fl.StringVar(&o.out, "out", ".", "with --image: the directory the images are written to")
}

type imageJSON struct {
	Files     []string `json:"files"`
	URLs      []string `json:"urls,omitempty"`
	EventID   int64    `json:"event_id"`
	Status    string   `json:"status"`
	Images    int64    `json:"images_made"`
	Size      string   `json:"size,omitempty"`
	Quality   string   `json:"quality,omitempty"`
	Input     int64    `json:"input_tokens"`
	Output    int64    `json:"output_tokens"`
	CostUSD   *string  `json:"cost_usd"`
	CostState string   `json:"cost_state"`
	LatencyMS int64    `json:"latency_ms"`
}

// runImage makes images through the app's one path: budget check, key,
// request, price, record, alerts. The images are written as files; the
// cost line says what they cost.
func runImage(ctx context.Context, f *Factory, a *app.App, call app.Call, o promptOptions, text string) error {
	img := o.image
	if img.n < 1 || img.n > 10 {
		return usageErrorf("--images %d: make 1 to 10 images at a time", img.n)
	}
	if o.system != "" || o.maxTokens != 0 || o.effort != "" || o.api != "" || o.noStream {
		return usageErrorf("--image takes the prompt, --size, --quality, --images and --out; --system, --max-tokens, --reasoning-effort, --api and --no-stream are for text replies")
	}
	if st, err := os.Stat(img.out); err != nil || !st.IsDir() {
		return usageErrorf("--out %q: give an existing directory to write the images to", img.out)
	}
	if spec, err := a.Provider(call.Provider); err == nil && spec.Kind == providers.KindBFL && (img.n != 1 || img.quality != "") {
		return usageErrorf("Black Forest Labs makes one image a task and takes no --quality: drop --images and --quality (--size WIDTHxHEIGHT sets the pixels)")
	}
	call.Units = providers.Usage{Images: int64(img.n), ImageSize: img.size, ImageQuality: img.quality}
	run, err := beginRun(ctx, f, a, call, o.json)
	if err != nil {
		return err
	}
	images, out, err := run.Images(ctx, providers.ImageRequest{Model: call.Model, Prompt: text, Size: img.size, Quality: img.quality, N: img.n})
	e := out.Event
	var files, urls []string
	var werr error
	for i, im := range images {
		if len(im.Data) == 0 {
			if im.URL != "" {
				urls = append(urls, im.URL)
			}
			continue
		}
		name := filepath.Join(img.out, fmt.Sprintf("byok-%d-%d%s", e.ID, i+1, imageExt(im.Data)))
		if err := os.WriteFile(name, im.Data, 0o644); err != nil {
			werr = errors.Join(werr, fmt.Errorf("write image %d: %w", i+1, err))
			continue
		}
		files = append(files, name)
	}
	if o.json && e.ID != 0 {
		if files == nil {
			files = []string{} // a list, empty when no image was written, never null
		}
		j := imageJSON{Files: files, URLs: urls, EventID: e.ID, Status: string(e.Status), Images: e.Units.Images,
			Size: e.Units.ImageSize, Quality: e.Units.ImageQuality, Input: e.InputTokens, Output: e.OutputTokens,
			CostUSD: usdJSON(e.Cost, e.CostState != pricing.Unpriced), CostState: string(e.CostState), LatencyMS: ms(e.Latency)}
		if jerr := writeJSON(f.IO.Out, j); jerr != nil {
			return jerr
		}
	} else {
		for _, name := range files {
			fmt.Fprintln(f.IO.Out, name)
		}
		for _, u := range urls {
			fmt.Fprintln(f.IO.Out, u)
		}
		if e.ID != 0 {
			fmt.Fprintln(f.IO.Err, imageSummary(e))
		}
	}
	for _, al := range out.Alerts {
		fmt.Fprintf(f.IO.Err, "alert: %s\n", al.Message)
	}
	return errors.Join(err, werr)
}

// imageExt names an image file by its bytes' format.
func imageExt(b []byte) string {
	switch {
	case len(b) >= 8 && string(b[1:4]) == "PNG":
		return ".png"
	case len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8:
		return ".jpg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return ".webp"
	}
	return ".img"
}

// imageSummary is the line after an image request: the images, the tokens
// they were billed as (GPT Image), and the cost.
func imageSummary(e store.Event) string {
	cost := e.Cost.Precise()
	switch e.CostState {
	case pricing.Unpriced:
		cost = "unpriced (set a price with `byok pricing set`)"
	case pricing.Estimated:
		cost = "~" + cost + " estimated"
	default:
		cost += " " + string(e.CostState)
	}
	s := fmt.Sprintf("— %s/%s · %d image", e.Provider, e.Model, e.Units.Images)
	if e.Units.Images != 1 {
		s += "s"
	}
	if what := strings.TrimSpace(e.Units.ImageSize + " " + e.Units.ImageQuality); what != "" {
		s += " " + what
	}
	if e.InputTokens > 0 || e.OutputTokens > 0 {
		s += fmt.Sprintf(" · %s in / %s out", count(e.InputTokens), count(e.OutputTokens))
	}
	s += " · " + cost + " · " + latencyText(e.Latency)
	if e.Status != store.StatusOK {
		s += " · " + string(e.Status)
	}
	return s
}

// mediaText names what a request used beyond tokens: "2 images 1792x1024
// hd", "7 s of audio", "20 characters"; "" for a request that used none.
func mediaText(x store.Units) string {
	var parts []string
	if x.Images > 0 {
		img := fmt.Sprintf("%d image", x.Images)
		if x.Images != 1 {
			img += "s"
		}
		if what := strings.TrimSpace(x.ImageSize + " " + x.ImageQuality); what != "" {
			img += " " + what
		}
		parts = append(parts, img)
	}
	if x.AudioMillis > 0 {
		parts = append(parts, fmt.Sprintf("%s s of audio", strconv.FormatFloat(float64(x.AudioMillis)/1000, 'f', -1, 64)))
	}
	if x.Characters > 0 {
		parts = append(parts, counted(x.Characters, "character", "characters"))
	}
	return strings.Join(parts, ", ")
}
