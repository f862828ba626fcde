-- Accounts, refresh-token families and signing keys of the auth service.
create table auth_users (
  id uuid primary key,
  email text not null unique,
  display_name text not null,
  password_hash text not null,
  created_at timestamptz not null default now()
);

-- Refresh tokens are opaque; only their sha256 is stored. A family is one login's chain of rotations:
-- presenting a rotated (already used) token revokes the whole family.
create table auth_refresh_tokens (
  id uuid primary key,
  family_id uuid not null,
  user_id uuid not null references auth_users (id) on delete cascade,
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz
);
create index auth_refresh_tokens_family_idx on auth_refresh_tokens (family_id);
create index auth_refresh_tokens_user_idx on auth_refresh_tokens (user_id);

-- Ed25519 signing keys as JWKs. Exactly one key is active (retired_at is null); retired keys stay in the
-- JWKS until every token they signed has expired.
create table auth_signing_keys (
  kid text primary key,
  public_jwk jsonb not null,
  private_jwk jsonb not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
create unique index auth_signing_keys_one_active on auth_signing_keys ((true)) where retired_at is null;
