-- Refresh-token families get an absolute lifetime and a reuse grace window.
--
-- family_started_at: when the family's login happened. Every token of the family expires at the latest
-- REFRESH_FAMILY_TTL_S after it, however often it is rotated (rotation used to extend it by the full TTL).
-- successor_sealed: the successor a rotation issued, AES-256-GCM under a key derived from the rotated token
-- itself (which is never stored), so a second use of the token within the grace window can answer the same
-- successor instead of revoking the family. Without the rotated token the column is useless.
alter table auth_refresh_tokens add column family_started_at timestamptz;
update auth_refresh_tokens t
   set family_started_at = f.started_at
  from (select family_id, min(created_at) as started_at from auth_refresh_tokens group by family_id) f
 where t.family_id = f.family_id;
alter table auth_refresh_tokens alter column family_started_at set not null;
alter table auth_refresh_tokens add column successor_sealed bytea;
