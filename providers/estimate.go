package providers

import (
	"sync"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// EstimateTokens counts the tokens of text locally, for requests whose
// usage the provider never reported (a cut or cancelled stream). It uses
// OpenAI's o200k_base encoding, loaded from data compiled into the binary:
// it never touches the network. For other model families it is an
// estimate of the same order, which is why such usage is marked Estimated.
// Should the encoding fail to load, it falls back to one token per four
// characters.
func EstimateTokens(text string) int64 {
	if text == "" {
		return 0
	}
	enc := encoding()
	if enc == nil {
		return int64((utf8.RuneCountInString(text) + 3) / 4)
	}
	return int64(len(enc.EncodeOrdinary(text)))
}

var encoding = sync.OnceValue(func() *tiktoken.Tiktoken {
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
	enc, err := tiktoken.GetEncoding(tiktoken.MODEL_O200K_BASE)
	if err != nil {
		return nil
	}
	return enc
})

// Chat formats add a few tokens per message (role markers, separators);
// these are OpenAI's published figures for its chat models.
const (
	tokensPerMessage = 3
	tokensPerReply   = 3
)

// estimateRequest counts the prompt of req locally.
func estimateRequest(req Request) int64 {
	n := int64(tokensPerReply)
	if req.System != "" {
		n += tokensPerMessage + EstimateTokens(req.System)
	}
	for _, m := range req.Messages {
		n += tokensPerMessage + EstimateTokens(m.Content)
	}
	return n
}
