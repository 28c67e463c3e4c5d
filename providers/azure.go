package providers

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/byokhq/byok/redact"
)

// AzureSecret is the structured secret of an Azure OpenAI provider, stored
// as one JSON value.
type AzureSecret struct {
	// Endpoint is the resource URL, e.g. https://NAME.openai.azure.com.
	Endpoint string `json:"endpoint"`
	// Deployment is the model deployment requests go to.
	Deployment string `json:"deployment"`
	// APIVersion is a dated Azure OpenAI API version (2024-10-21), or "v1"
	// (or empty) for the version-less /openai/v1 API.
	APIVersion string `json:"api_version"`
	APIKey     string `json:"api_key"`
}

// ParseAzureSecret reads and checks an Azure secret. Its errors never
// contain the key.
func ParseAzureSecret(secret string) (AzureSecret, error) {
	var s AzureSecret
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		return s, fmt.Errorf(`the Azure secret is not JSON: give {"endpoint","deployment","api_version","api_key"}`)
	}
	s.Endpoint = trimBase(s.Endpoint)
	var missing []string
	for _, f := range []struct{ name, v string }{{"endpoint", s.Endpoint}, {"deployment", s.Deployment}, {"api_key", s.APIKey}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return s, fmt.Errorf("the Azure secret lacks %s: give {\"endpoint\",\"deployment\",\"api_version\",\"api_key\"}", strings.Join(missing, ", "))
	}
	if u, err := url.Parse(s.Endpoint); err != nil || u.Scheme == "" || u.Host == "" {
		return s, fmt.Errorf("the Azure endpoint %q is not a URL: give it as https://NAME.openai.azure.com", s.Endpoint)
	}
	return s, nil
}

// v1 reports whether the secret targets the version-less /openai/v1 API.
func (s AzureSecret) v1() bool {
	return s.APIVersion == "" || strings.EqualFold(s.APIVersion, "v1")
}

// options configures openai-go for Azure by hand: the key goes in the
// api-key header (no Authorization header is sent), the api-version in the
// query. The dated API puts chat completions under the deployment's path;
// the v1 API and the Responses API take the deployment as the model.
func (s AzureSecret) options(opt Options, useResponses bool) []option.RequestOption {
	base := s.Endpoint + "/openai/v1"
	if !s.v1() {
		base = s.Endpoint + "/openai"
		if !useResponses {
			base += "/deployments/" + url.PathEscape(s.Deployment)
		}
	}
	opts := openaiOptions(base, "", httpClient(opt), option.WithHeader("api-key", s.APIKey))
	if !s.v1() {
		opts = append(opts, option.WithQuery("api-version", s.APIVersion))
	}
	return opts
}

func newAzure(spec Spec, secret string, opt Options, useResponses bool) (Streamer, error) {
	s, err := ParseAzureSecret(secret)
	if err != nil {
		return nil, &Error{Class: ClassAuth, Provider: spec.ID, Message: err.Error() + "; store it with `byok keys add " + spec.ID + "`"}
	}
	redact.Register(s.APIKey)
	if useResponses {
		api := responsesAPI{model: s.Deployment, svc: responses.NewResponseService(s.options(opt, true)...)}
		return newSDKStreamer[responses.ResponseNewParams](spec, opt, api), nil
	}
	api := chatAPI{model: s.Deployment, maxCompletion: true, svc: openai.NewChatCompletionService(s.options(opt, false)...)}
	return newSDKStreamer[openai.ChatCompletionNewParams](spec, opt, api), nil
}
