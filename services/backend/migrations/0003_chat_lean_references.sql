-- References the chat writes on every message without needing them (each foreign key check locks the row it
-- points at, `for key share`: a WAL record and a dirtied page per check, five per message with the run lease).
--
-- 1. The run lease points at its message and thread by value only. A lease lives from its message's intake to the
--    reply; when a thread is deleted, `ChatStore.deleteThread` deletes its leases in the same statement. A lease
--    left without its message (a send racing the deletion) ends like any failed run: its run finds no thread,
--    and the lease is released or, past its attempts, abandoned.
alter table chat_run_leases
  drop constraint chat_run_leases_message_id_fkey,
  drop constraint chat_run_leases_thread_id_fkey;

-- 2. A reply's `reply_to` is kept unique (one reply per message) but not checked against the message: a reply is
--    stored by the run of that message, in the same thread, and goes with the thread (its `thread_id` keeps its
--    foreign key, `on delete cascade`).
alter table chat_messages drop constraint chat_messages_reply_to_fkey;
