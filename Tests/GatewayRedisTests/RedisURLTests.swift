import GatewayRedis
import Testing

struct RedisURLTests {
    @Test(arguments: [
        ("redis://localhost", RedisURL(host: "localhost")),
        ("redis://10.0.0.5:6380", RedisURL(host: "10.0.0.5", port: 6380)),
        ("redis://:secret@cache:7000/3", RedisURL(host: "cache", port: 7000, password: "secret", database: 3)),
        ("redis://gateway:p%40ss%3Aw%2Frd@cache", RedisURL(host: "cache", username: "gateway", password: "p@ss:w/rd")),
        ("redis://secret@cache", RedisURL(host: "cache", password: "secret")),
        ("redis://u:p@ss@cache", RedisURL(host: "cache", username: "u", password: "p@ss")),
        ("rediss://cache.example.com/", RedisURL(host: "cache.example.com", usesTLS: true)),
        ("rediss://[::1]:6390/1", RedisURL(host: "::1", port: 6390, usesTLS: true, database: 1)),
        ("redis://[fe80::1]", RedisURL(host: "fe80::1")),
    ])
    func parses(_ text: String, _ expected: RedisURL) throws {
        #expect(try RedisURL(text) == expected)
    }

    @Test(arguments: [
        ("http://cache", RedisURLError.unsupportedScheme),
        ("cache:6379", .unsupportedScheme),
        ("redis://cache?db=1", .queryNotSupported),
        ("redis://", .invalidHost("")),
        ("redis://:pw@:6379", .invalidHost("")),
        ("redis://cache:0", .invalidPort("0")),
        ("redis://cache:65536", .invalidPort("65536")),
        ("redis://cache:port", .invalidPort("port")),
        ("redis://cache/x", .invalidDatabase("x")),
        ("redis://cache/-1", .invalidDatabase("-1")),
        ("redis://[::1", .invalidHost("[::1")),
        ("redis://u:%zz@cache", .invalidPercentEncoding),
    ])
    func refuses(_ text: String, _ expected: RedisURLError) {
        #expect(throws: expected) { try RedisURL(text) }
    }

    @Test func descriptionHidesThePassword() throws {
        let url = try RedisURL("rediss://gateway:hunter2@[::1]:6390/2")
        #expect(url.description == "rediss://gateway:***@[::1]:6390/2")
        #expect(!"\(url)".contains("hunter2"))
    }
}
