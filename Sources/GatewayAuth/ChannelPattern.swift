/// A channel pattern from a token's `ssegate` claim: which channels the token may subscribe to or publish on.
///
/// - Literal text matches itself (channel names are `A-Z a-z 0-9 . _ - : @ ~`, so no literal can be mistaken
///   for syntax).
/// - `*` matches any run of characters, possibly empty, `:` included: `user:*` covers `user:1` and
///   `user:1:inbox`. A `:` boundary would make `news:*` mean "one level", which no issuer can tell from the pattern
///   text; one rule is easier to audit.
/// - `{sub}` stands for the token's subject. It is substituted as literal text, so a subject of `*` matches only a
///   channel spelled with a `*`, which no channel name is: a subject cannot widen what a pattern allows.
public struct ChannelPattern: Sendable, Hashable, CustomStringConvertible {
    enum Part: Sendable, Hashable {
        case literal([UInt8])
        case anyRun
        case subject
    }

    /// The pattern as written in the claim.
    public let description: String
    let parts: [Part]

    /// Parses a pattern; only `{sub}` may appear in braces.
    public init(_ text: String) throws(ChannelPatternError) {
        guard !text.isEmpty else { throw ChannelPatternError("a channel pattern cannot be empty") }
        var parts: [Part] = []
        var literal: [UInt8] = []
        func flushLiteral() {
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
        }
        var rest = Substring(text)
        while let next = rest.first {
            switch next {
            case "*":
                flushLiteral()
                // `**` means the same as `*`; keeping one keeps matching linear in the pattern.
                if parts.last != .anyRun { parts.append(.anyRun) }
                rest = rest.dropFirst()
            case "{":
                guard rest.hasPrefix("{sub}") else {
                    throw ChannelPatternError("only {sub} may appear in braces in '\(text)'")
                }
                flushLiteral()
                parts.append(.subject)
                rest = rest.dropFirst(5)
            case "}":
                throw ChannelPatternError("'}' outside {sub} in '\(text)'")
            default:
                literal.append(contentsOf: next.utf8)
                rest = rest.dropFirst()
            }
        }
        flushLiteral()
        self.description = text
        self.parts = parts
    }

    /// Whether `channel` is one of the channels this pattern names for a token whose subject is `subject`.
    public func allows(_ channel: String, subject: String) -> Bool {
        var elements: [GlobElement] = []
        for part in parts {
            switch part {
            case .literal(let bytes): elements.append(contentsOf: bytes.lazy.map(GlobElement.byte))
            case .subject: elements.append(contentsOf: subject.utf8.lazy.map(GlobElement.byte))
            case .anyRun: elements.append(.anyRun)
            }
        }
        return Self.glob(elements, matches: Array(channel.utf8))
    }

    enum GlobElement: Equatable {
        case byte(UInt8)
        case anyRun
    }

    /// Classic single-backtrack glob: on a mismatch, the last `*` takes one more byte. O(pattern × channel) at
    /// worst, with no recursion, so a hostile pattern cannot blow the stack.
    static func glob(_ pattern: [GlobElement], matches text: [UInt8]) -> Bool {
        var patternIndex = 0
        var textIndex = 0
        var lastStar: (patternIndex: Int, textIndex: Int)?
        while textIndex < text.count {
            if patternIndex < pattern.count, pattern[patternIndex] == .byte(text[textIndex]) {
                patternIndex += 1
                textIndex += 1
            } else if patternIndex < pattern.count, pattern[patternIndex] == .anyRun {
                lastStar = (patternIndex, textIndex)
                patternIndex += 1
            } else if let star = lastStar {
                lastStar = (star.patternIndex, star.textIndex + 1)
                patternIndex = star.patternIndex + 1
                textIndex = star.textIndex + 1
            } else {
                return false
            }
        }
        while patternIndex < pattern.count, pattern[patternIndex] == .anyRun {
            patternIndex += 1
        }
        return patternIndex == pattern.count
    }
}

/// Why a channel pattern could not be parsed.
public struct ChannelPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
