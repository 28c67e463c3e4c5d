-- Admin and management credentials (an OpenAI admin key, an Anthropic Admin
-- API key, an OpenRouter management key) read the providers' usage, cost and
-- balance reports. They live in the keychain like any key, but byok never
-- sends a prompt with one, so they are never a provider's default.
ALTER TABLE keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
