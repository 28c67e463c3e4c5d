package providers

import "testing"

// TestMediaReplies reads each media API's documented reply shape.
func TestMediaReplies(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func([]byte) (Usage, bool)
		body string
		want Usage
		ok   bool
	}{
		{"gpt-image-1 generation", ImageReply,
			`{"created":1713833628,"data":[{"b64_json":"AAAA"}],"size":"1024x1536","quality":"high",
			 "usage":{"total_tokens":100,"input_tokens":50,"output_tokens":50,"input_tokens_details":{"text_tokens":10,"image_tokens":40}}}`,
			Usage{Input: 50, InputImage: 40, Output: 50, OutputImage: 50, Images: 1, ImageSize: "1024x1536", ImageQuality: "high"}, true},
		{"gpt-image-1.5 with text output tokens", ImageReply,
			`{"data":[{"b64_json":"AAAA"},{"b64_json":"BBBB"}],"usage":{"input_tokens":20,"output_tokens":300,
			 "input_tokens_details":{"text_tokens":20,"image_tokens":0},"output_tokens_details":{"image_tokens":272,"text_tokens":28}}}`,
			Usage{Input: 20, Output: 300, OutputImage: 272, Images: 2}, true},
		{"DALL·E 3 urls", ImageReply, `{"created":1,"data":[{"url":"https://x/a.png","revised_prompt":"p"}]}`, Usage{Images: 1}, true},
		{"image stream: completed event", ImageReply,
			`{"type":"image_generation.completed","b64_json":"AAAA","size":"1024x1024","quality":"low","usage":{"input_tokens":9,"output_tokens":272,"input_tokens_details":{"text_tokens":9,"image_tokens":0}}}`,
			Usage{Input: 9, Output: 272, OutputImage: 272, Images: 1, ImageSize: "1024x1024", ImageQuality: "low"}, true},
		{"image stream: partial image", ImageReply, `{"type":"image_generation.partial_image","b64_json":"AAAA","partial_image_index":0}`, Usage{}, false},
		{"not an image reply", ImageReply, `{"object":"list"}`, Usage{}, false},
		{"gpt-4o-transcribe tokens", TranscriptionReply,
			`{"text":"hi","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}}`,
			Usage{Input: 14, InputAudio: 14, Output: 45}, true},
		{"whisper-1 duration usage", TranscriptionReply, `{"text":"hi","usage":{"type":"duration","seconds":9}}`, Usage{AudioMillis: 9000}, true},
		{"verbose_json duration", TranscriptionReply, `{"task":"transcribe","language":"english","duration":8.470000267028809,"text":"hi"}`, Usage{AudioMillis: 8470}, true},
		{"transcript.text.done event", TranscriptionReply,
			`{"type":"transcript.text.done","text":"hi","usage":{"type":"tokens","input_tokens":7,"input_token_details":{"audio_tokens":7},"output_tokens":3,"total_tokens":10}}`,
			Usage{Input: 7, InputAudio: 7, Output: 3}, true},
		{"json with only text", TranscriptionReply, `{"text":"hi"}`, Usage{}, false},
		{"speech.audio.done", SpeechEvent, `{"type":"speech.audio.done","usage":{"input_tokens":14,"output_tokens":101,"total_tokens":115}}`,
			Usage{Input: 14, Output: 101, OutputAudio: 101}, true},
		{"speech.audio.delta", SpeechEvent, `{"type":"speech.audio.delta","audio":"AAAA"}`, Usage{}, false},
		{"BFL submit", BFLSubmit, `{"id":"b9b1","polling_url":"https://api.us1.bfl.ai/v1/get_result?id=b9b1"}`, Usage{Images: 1}, true},
		{"BFL submit with cost", BFLSubmit, `{"id":"d5ba","polling_url":"https://api.eu2.bfl.ai/v1/get_result?id=d5ba","cost":3.5,"input_mp":0.0,"output_mp":1.0}`,
			Usage{Images: 1, ReportedCost: 35_000_000, CostReported: true}, true},
		{"BFL error body", BFLSubmit, `{"detail":[{"msg":"field required"}]}`, Usage{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.read([]byte(tc.body))
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if n := Characters("Hello, world — ça va?"); n != 21 {
		t.Errorf("Characters = %d, want 21 (code points, not bytes)", n)
	}
}
