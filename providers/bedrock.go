package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/byokhq/byok/redact"
)

// BedrockSecret is the structured secret of an Amazon Bedrock provider,
// stored as one JSON value: static IAM credentials and the region.
type BedrockSecret struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	Region          string `json:"region"`
	SessionToken    string `json:"session_token,omitempty"`
}

var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// ParseBedrockSecret reads and checks a Bedrock secret. Its errors never
// contain the credentials.
func ParseBedrockSecret(secret string) (BedrockSecret, error) {
	var s BedrockSecret
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		return s, errors.New(`the Bedrock secret is not JSON: give {"access_key_id","secret_access_key","region"} (and "session_token" for temporary credentials)`)
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"access_key_id", s.AccessKeyID}, {"secret_access_key", s.SecretAccessKey}, {"region", s.Region}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return s, fmt.Errorf(`the Bedrock secret lacks %s: give {"access_key_id","secret_access_key","region"}`, strings.Join(missing, ", "))
	}
	if !awsRegion.MatchString(s.Region) {
		return s, fmt.Errorf("the Bedrock region %q is not an AWS region such as us-east-1", s.Region)
	}
	return s, nil
}

// bedrockBase returns the runtime endpoint for the secret's region, or the
// spec's base URL when it was overridden.
func bedrockBase(spec Spec, s BedrockSecret) string {
	return trimBase(strings.ReplaceAll(spec.BaseURL, "{region}", s.Region))
}

// bedrockAPI speaks the Bedrock Converse API through aws-sdk-go-v2.
type bedrockAPI struct {
	client *bedrockruntime.Client
}

// bedrockRequest is what Converse and ConverseStream take.
type bedrockRequest struct {
	model    string
	messages []types.Message
	system   []types.SystemContentBlock
	config   *types.InferenceConfiguration
}

func newBedrock(spec Spec, secret string, opt Options) (Streamer, error) {
	s, err := ParseBedrockSecret(secret)
	if err != nil {
		return nil, &Error{Class: ClassAuth, Provider: spec.ID, Message: err.Error() + "; store it with `byok keys add " + spec.ID + "`"}
	}
	redact.Register(s.SecretAccessKey)
	redact.Register(s.SessionToken)
	base := bedrockBase(spec, s)
	if base == "" {
		base = "https://bedrock-runtime." + s.Region + ".amazonaws.com"
	}
	// bedrockruntime.New reads nothing from the environment except
	// AWS_BEARER_TOKEN_BEDROCK, which the last option undoes: byok signs
	// with the stored credentials (SigV4), never with an ambient token.
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:       s.Region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, s.SessionToken)),
		HTTPClient:   httpClient(opt),
		BaseEndpoint: aws.String(base),
		Retryer:      aws.NopRetryer{},
	}, func(o *bedrockruntime.Options) {
		o.BearerAuthTokenProvider = nil
		o.AuthSchemePreference = []string{"sigv4"}
	})
	return newSDKStreamer[bedrockRequest](spec, opt, bedrockAPI{client: client}), nil
}

func (bedrockAPI) params(req Request) bedrockRequest {
	msgs := make([]types.Message, 0, len(req.Messages))
	for _, m := range req.Messages {
		role := types.ConversationRoleUser
		if m.Role == RoleAssistant {
			role = types.ConversationRoleAssistant
		}
		msgs = append(msgs, types.Message{Role: role, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: m.Content}}})
	}
	var system []types.SystemContentBlock
	if req.System != "" {
		system = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: req.System}}
	}
	var cfg *types.InferenceConfiguration
	if req.MaxTokens > 0 || req.Temperature != nil {
		cfg = &types.InferenceConfiguration{}
		if req.MaxTokens > 0 {
			cfg.MaxTokens = aws.Int32(int32(min(req.MaxTokens, 1<<30)))
		}
		if req.Temperature != nil {
			cfg.Temperature = aws.Float32(float32(*req.Temperature))
		}
	}
	return bedrockRequest{model: req.Model, messages: msgs, system: system, config: cfg}
}

// send calls Converse.
func (a bedrockAPI) send(r *run, p bedrockRequest) (Result, error) {
	out, err := a.client.Converse(r.ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String(p.model), Messages: p.messages, System: p.system, InferenceConfig: p.config})
	if err != nil {
		return bedrockFailure(r, err)
	}
	if m, ok := out.Output.(*types.ConverseOutputMemberMessage); ok {
		for _, b := range m.Value.Content {
			switch b := b.(type) {
			case *types.ContentBlockMemberReasoningContent:
				if t, ok := b.Value.(*types.ReasoningContentBlockMemberReasoningText); ok && t.Value.Text != nil {
					r.reasoningDelta(*t.Value.Text)
				}
			case *types.ContentBlockMemberText:
				r.textDelta(b.Value)
			}
		}
	}
	if out.Usage != nil {
		r.setUsage(bedrockUsage(out.Usage))
	}
	return r.done(nil)
}

// stream calls ConverseStream.
func (a bedrockAPI) stream(r *run, p bedrockRequest) (Result, error) {
	out, err := a.client.ConverseStream(r.ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String(p.model), Messages: p.messages, System: p.system, InferenceConfig: p.config})
	if err != nil {
		return bedrockFailure(r, err)
	}
	st := out.GetStream()
	defer st.Close()
	for ev := range st.Events() {
		switch ev := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			switch d := ev.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				r.textDelta(d.Value)
			case *types.ContentBlockDeltaMemberReasoningContent:
				if t, ok := d.Value.(*types.ReasoningContentBlockDeltaMemberText); ok {
					r.reasoningDelta(t.Value)
				}
			}
		case *types.ConverseStreamOutputMemberMetadata:
			if ev.Value.Usage != nil {
				r.setUsage(bedrockUsage(ev.Value.Usage))
			}
		}
	}
	if err := st.Err(); err != nil {
		return bedrockFailure(r, err)
	}
	return r.done(nil)
}

func bedrockUsage(u *types.TokenUsage) Usage {
	n := func(p *int32) int64 {
		if p == nil {
			return 0
		}
		return int64(*p)
	}
	return bedrockCounts{Input: n(u.InputTokens), Output: n(u.OutputTokens),
		CacheRead: n(u.CacheReadInputTokens), CacheWrite: n(u.CacheWriteInputTokens)}.usage()
}

// bedrockFailure classifies an AWS error: by the recorded HTTP response
// when there was one, else by the exception's name (an exception inside
// the stream).
func bedrockFailure(r *run, err error) (Result, error) {
	var ae smithy.APIError
	code, msg := "", ""
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	status, header, body := r.x.snapshot()
	if status >= 400 {
		if code == "" {
			code = strings.SplitN(header.Get("X-Amzn-Errortype"), ":", 2)[0]
		}
		return r.result(), newError(failure{provider: r.spec.ID, status: status, header: header, body: body, code: code, cause: err, model: r.req.Model})
	}
	if code != "" && r.ctx.Err() == nil {
		data, _ := json.Marshal(map[string]string{"message": msg})
		return r.result(), newError(failure{provider: r.spec.ID, status: http.StatusOK, header: header, body: data,
			code: code, cause: err, streamed: true, model: r.req.Model})
	}
	return r.done(err)
}
