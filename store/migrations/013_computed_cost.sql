-- What byok computed from its catalog for an event whose cost the provider
-- reported (nano-dollars, markup included), kept beside the reported cost
-- so the drift between the provider's bill and the catalog stays visible.
-- NULL when the cost was not reported or byok had no price for the model.
ALTER TABLE events ADD COLUMN computed_cost INTEGER;
