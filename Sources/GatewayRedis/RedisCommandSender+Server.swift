import NIOCore

extension RedisCommandSender {
    /// `INFO section` as `field → value` (the `# Section` headers and blank lines dropped).
    public func info(_ section: String = "server") -> EventLoopFuture<[String: String]> {
        self.send(["INFO", .string(section)]).flatMapThrowing { reply in
            guard let text = reply.string else { throw RedisReplyError(command: "INFO", reply: reply) }
            var fields: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
            }
            return fields
        }
    }

    /// The server's `run_id`: a random id chosen at each start. A different one than before means the
    /// server restarted, and, unless it persists data, that its streams (the history) are new: an epoch change.
    public func serverRunID() -> EventLoopFuture<String> {
        self.info("server").flatMapThrowing { fields in
            guard let runID = fields["run_id"], !runID.isEmpty else {
                throw RedisReplyError(command: "INFO server", reply: .simpleString("no run_id"))
            }
            return runID
        }
    }
}
