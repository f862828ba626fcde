-- A sealed successor is needed only during the reuse grace window after its rotation (REFRESH_REUSE_GRACE_MS,
-- at most 60 s). Kept longer, an old refresh token plus a database backup would unseal the chain to the live
-- token, so the service clears it once the window has passed: this index keeps that sweep to the few rows
-- that still hold a seal.
update auth_refresh_tokens set successor_sealed = null
 where successor_sealed is not null and rotated_at < now() - interval '60 seconds';
create index auth_refresh_tokens_sealed_idx on auth_refresh_tokens (rotated_at) where successor_sealed is not null;
