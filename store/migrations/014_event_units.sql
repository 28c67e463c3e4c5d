-- What a request used that is billed per image, per second of audio or per
-- character, and the image and audio parts of its tokens, as a small JSON
-- object (store.Units); '' for the many requests that used none. Kept so a
-- re-pricing prices an image or a transcription again, not as $0.
ALTER TABLE events ADD COLUMN units TEXT NOT NULL DEFAULT '';
