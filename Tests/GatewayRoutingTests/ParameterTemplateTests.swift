import GatewayRouting
import Testing

@Suite struct ParameterTemplateTests {
    struct ExpandCase: CustomTestStringConvertible, Sendable {
        var template: String
        var parameters: [String: String]
        var expanded: String?
        var testDescription: String { template }
    }

    static let expandCases: [ExpandCase] = [
        ExpandCase(template: "{channel}", parameters: ["channel": "news"], expanded: "news"),
        ExpandCase(template: "user:{sub}", parameters: ["sub": "42"], expanded: "user:42"),
        ExpandCase(template: "{a}-{b}", parameters: ["a": "x", "b": "y"], expanded: "x-y"),
        ExpandCase(template: "{a}{a}", parameters: ["a": "x"], expanded: "xx"),
        ExpandCase(template: "fixed", parameters: [:], expanded: "fixed"),
        ExpandCase(template: "pre{a}post", parameters: ["a": ""], expanded: "prepost"),
        ExpandCase(template: "user:{sub}", parameters: [:], expanded: nil),
    ]

    @Test(arguments: expandCases)
    func expand(_ test: ExpandCase) throws {
        let template = try ParameterTemplate(test.template)
        #expect(template.expand(test.parameters) == test.expanded)
        #expect(template.description == test.template)
    }

    @Test func parameterNames() throws {
        #expect(try ParameterTemplate("{a}:{b}:{a}").parameterNames == ["a", "b", "a"])
        #expect(try ParameterTemplate("x").parameterNames == [])
    }

    @Test(arguments: [
        ("", "cannot be empty"),
        ("{", "without a matching '}'"),
        ("a{b", "without a matching '}'"),
        ("}", "without a matching '{'"),
        ("a}{b}", "without a matching '{'"),
        ("{b}}", "without a matching '{'"),
        ("{}", "is not a parameter name"),
        ("{a-b}", "is not a parameter name"),
        ("{1a}", "is not a parameter name"),
        ("{a{b}", "is not a parameter name"),
    ])
    func invalid(_ text: String, _ fragment: String) {
        let error = #expect(throws: RoutePatternError.self) { try ParameterTemplate(text) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }
}
