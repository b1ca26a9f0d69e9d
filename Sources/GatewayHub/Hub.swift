import GatewaySSE
