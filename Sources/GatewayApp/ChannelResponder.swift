import GatewayHTTP
import GatewayRouting
import NIOHTTP1

/// `channel:` routes: `GET` opens an event stream on the channel(s) the template names.
///
/// Template parameters come from the path; a route with `max_channels` above 1 fills its one query
/// parameter once per channel (`/events?channel=a&channel=b`). Every channel must be open to the request's
/// token (or, without one, public on the route) before anything is subscribed.
struct ChannelResponder: Responder {
    let template: ParameterTemplate
    let maxChannels: Int
    let planner: StreamPlanner

    var allowedMethods: [HTTPMethod] { [.GET] }

    func respond(to request: Request, context: RequestContext) -> Response {
        let planned = channels(request, context.parameters).flatMap { channels -> Result<EventStreamPlan, HTTPError> in
            if let refusal = planner.access.refusal(subscribing: channels, identity: context.identity) { return .failure(refusal) }
            return planner.plan(request, channels: channels, identity: context.identity)
        }
        return switch planned {
        case .success(let plan): .stream(plan)
        case .failure(let refusal): refusal.response
        }
    }

    private func channels(_ request: Request, _ pathParameters: [String: String]) -> Result<[String], HTTPError> {
        guard let queryParameter = template.parameterNames.first(where: { pathParameters[$0] == nil }) else {
            return ChannelName.expand(template, pathParameters).map { [$0] }
        }
        let values = request.query.filter { $0.name == queryParameter }.map(\.value)
        guard !values.isEmpty else {
            return .failure(HTTPError(400, .missingChannel, "name at least one channel with ?\(queryParameter)="))
        }
        var channels: [String] = []
        for value in values {
            guard let value else {
                return .failure(HTTPError(400, .invalidChannel, "malformed percent-encoding in ?\(queryParameter)="))
            }
            var parameters = pathParameters
            parameters[queryParameter] = value
            switch ChannelName.expand(template, parameters) {
            case .success(let name): if !channels.contains(name) { channels.append(name) }
            case .failure(let refusal): return .failure(refusal)
            }
        }
        guard channels.count <= maxChannels else {
            return .failure(HTTPError(400, .tooManyChannels, "\(channels.count) channels named; this route allows at most \(maxChannels)"))
        }
        return .success(channels)
    }
}
