-- Chat threads and messages. Tables are prefixed `chat_` because the embedded Postgres is one database
-- shared by every service of `tarmac up`.
create table chat_threads (
  id uuid primary key,
  seq bigserial not null unique,
  user_id text not null,
  title text not null,
  created_at timestamptz not null default now()
);
create index chat_threads_user_seq on chat_threads (user_id, seq desc);

create table chat_messages (
  id uuid primary key,
  seq bigserial not null unique,
  thread_id uuid not null references chat_threads (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  text text not null,
  -- Idempotency key of user messages: a resend with the same clientMsgId finds the first row.
  client_msg_id text,
  metadata jsonb,
  created_at timestamptz not null default now(),
  unique (thread_id, client_msg_id)
);
create index chat_messages_thread_seq on chat_messages (thread_id, seq);
