-- One assistant run per user message, fleet-wide.
--
-- 1. An assistant reply names the user message it answers in a column, and a message has at most one reply: the
--    unique constraint, not the run logic, is what keeps a second reply out (two instances that both ran the
--    provider store one reply between them).
alter table chat_messages add column reply_to uuid references chat_messages (id) on delete cascade;
update chat_messages set reply_to = (metadata->>'replyTo')::uuid
  where role = 'assistant'
    and metadata->>'replyTo' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    and exists (select 1 from chat_messages m where m.id = (chat_messages.metadata->>'replyTo')::uuid);
-- Duplicate replies stored before this migration: the first one stays.
delete from chat_messages later using chat_messages first
  where later.reply_to is not null and later.reply_to = first.reply_to and later.seq > first.seq;
alter table chat_messages add constraint chat_messages_one_reply unique (reply_to);

-- 2. The run lease: while a row exists, the message's run is alive on `owner_instance` (it renews
--    `lease_expires_at` on every heartbeat); a resend to any instance attaches to it instead of starting another.
--    Past `lease_expires_at` the owner is presumed dead and any instance takes the run over (`attempts` + 1).
--    The row is deleted when the run ends (its reply stored, or failed).
create table chat_run_leases (
  message_id uuid primary key references chat_messages (id) on delete cascade,
  thread_id uuid not null references chat_threads (id) on delete cascade,
  user_id text not null,
  run_id uuid not null,
  owner_instance text not null,
  attempts integer not null default 1,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  lease_expires_at timestamptz not null
);
create index chat_run_leases_expiry on chat_run_leases (lease_expires_at);
