package app

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/byokhq/byok/redact"
)

// TestExportHeaderSecretWithAScheme: README's Grafana header, "Basic" and a
// credential, is stored as one export secret and sent whole; a value with a
// line break is refused, since it would end the header and begin another.
func TestExportHeaderSecretWithAScheme(t *testing.T) {
	ctx := context.Background()
	a := openWithUpstream(t, streamWithUsage(1, 1), "[export.otlp]\nendpoint = \"http://127.0.0.1:1\"\nheaders = { Authorization = \"keychain:grafana\" }\n")
	a.SetSecrets(fileSecrets(t))
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte("123456:glc_fake_grafana_token_0000"))
	if _, err := a.AddKey(ctx, ExportSecretProvider, "grafana", value+"\n", false); err != nil {
		t.Fatalf("add the header secret: %v", err)
	}
	headers, err := a.exportHeaders(ctx, a.Config.Export.OTLP)
	if err != nil {
		t.Fatal(err)
	}
	if headers["Authorization"] != value {
		t.Errorf("Authorization = %q, want %q", headers["Authorization"], value)
	}
	if got := redact.String("sent " + value[len("Basic "):]); strings.Contains(got, value[len("Basic "):]) {
		t.Errorf("the credential alone is not redacted: %q", got)
	}
	for _, bad := range []string{"Basic abc\r\nX-Other: 1 dXNlcjp0b2tlbg==", "Bearer tok\x00en-0000000000000000"} {
		if _, err := a.AddKey(ctx, ExportSecretProvider, "bad", bad, false); err == nil || !strings.Contains(err.Error(), "line break or a control character") {
			t.Errorf("AddKey(%q) = %v, want refused", bad, err)
		}
	}
	// A provider's key still refuses a space: it is never two words.
	if _, err := a.AddKey(ctx, "openai", "work", "sk-proj-FAKE 0000000000000000000test", false); err == nil {
		t.Error("a provider key with a space was stored")
	}
}
