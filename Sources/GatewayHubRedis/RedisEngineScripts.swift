import GatewayRedis

/// The two Lua scripts that make a channel's ids the same on every node: each runs atomically in Redis,
/// so the sequence counter, the history entry and the idempotency record change together or not at all.
enum RedisEngineScripts {
    /// `publish`: KEYS = meta, stream[, idempotency]; ARGV = max count, max bytes, history TTL ms, meta TTL
    /// ms, idempotency TTL ms, targets (newline-joined, empty for all), then one event body per event.
    ///
    /// Answers `{0, epoch, first sequence, count}`, or `{1, "epoch:first:count"}` when the idempotency key
    /// already held an answer (nothing published). A channel whose meta hash is gone (never made, expired
    /// when idle, or lost by Redis) starts a new life: epoch = Redis's clock in ms, leftover history dropped
    /// (it cannot be numbered on). Trimming: `MAXLEN ~` by the count limit, lowered to what the byte limit
    /// allows at this event's size (approximate by design), and entries older than the TTL cut with
    /// `XTRIM MINID` (a few at a time, from the oldest). An idle stream expires after the TTL (`PEXPIRE`);
    /// the meta hash lives longer (`RedisEngine.metaGrace` more), so a client back after its history
    /// expired hears `evicted` with what it missed rather than a new life.
    static let publish = RedisScript(#"""
        local meta, stream, idem = KEYS[1], KEYS[2], KEYS[3]
        local maxCount, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2])
        local ttl, metaTTL, idemTTL, targets = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
        if idem then
          local prior = redis.call('GET', idem)
          if prior then return {1, prior} end
        end
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local epoch = redis.call('HGET', meta, 'epoch')
        if not epoch then
          redis.call('DEL', stream)
          epoch = string.format('%d', now)
          redis.call('HSET', meta, 'epoch', epoch, 'seq', 0)
        end
        local count = #ARGV - 6
        local first = redis.call('HINCRBY', meta, 'seq', count) - count + 1
        for i = 1, count do
          local body = ARGV[6 + i]
          local keep = math.max(1, math.min(maxCount, math.floor(maxBytes / (#body + 24))))
          local id = string.format('%d-%d', first + i - 1, now)
          if targets == '' then
            redis.call('XADD', stream, 'MAXLEN', '~', keep, id, 'd', body, 'p', epoch)
          else
            redis.call('XADD', stream, 'MAXLEN', '~', keep, id, 'd', body, 'p', epoch, 't', targets)
          end
        end
        if ttl > 0 then
          local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
          local dash = oldest[1] and string.find(oldest[1][1], '-')
          if dash and tonumber(string.sub(oldest[1][1], dash + 1)) < now - ttl then
            local cut = nil
            for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', 64)) do
              local d = string.find(entry[1], '-')
              if tonumber(string.sub(entry[1], d + 1)) >= now - ttl then break end
              cut = tonumber(string.sub(entry[1], 1, d - 1)) + 1
            end
            if cut then redis.call('XTRIM', stream, 'MINID', string.format('%d-0', cut)) end
          end
          redis.call('PEXPIRE', stream, ttl)
          redis.call('PEXPIRE', meta, metaTTL)
        end
        if idem then
          redis.call('SET', idem, string.format('%s:%d:%d', epoch, first, count), 'NX', 'PX', idemTTL)
        end
        return {0, epoch, first, count}
        """#)

    /// `join`: KEYS = meta, stream; ARGV = meta TTL ms (0: none). Makes the channel's life if it has none (as
    /// `publish` would) so a subscriber always gets a position, keeps the meta hash alive while the channel
    /// is subscribed, and answers `{epoch, last sequence}`.
    static let join = RedisScript(#"""
        local meta, stream, ttl = KEYS[1], KEYS[2], tonumber(ARGV[1])
        local epoch = redis.call('HGET', meta, 'epoch')
        if not epoch then
          redis.call('DEL', stream)
          local clock = redis.call('TIME')
          epoch = string.format('%d', tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000))
          redis.call('HSET', meta, 'epoch', epoch, 'seq', 0)
        end
        if ttl > 0 then redis.call('PEXPIRE', meta, ttl) end
        return {epoch, redis.call('HGET', meta, 'seq')}
        """#)
}

extension RedisEngineScripts {
    /// `check`: KEYS = meta; ARGV = the sequence this node delivered through. Answers the channel's epoch
    /// (null when the channel has no life in Redis now). When Redis came back with less than this node
    /// delivered (an AOF that lost its last second), the counter moves forward to it, so a number a client
    /// may hold is never given to another event.
    static let check = RedisScript(#"""
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        if not epoch then return false end
        local delivered = tonumber(ARGV[1])
        local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
        if seq < delivered then redis.call('HSET', KEYS[1], 'seq', string.format('%d', delivered)) end
        return epoch
        """#)
}
