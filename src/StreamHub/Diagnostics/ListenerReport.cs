namespace StreamHub.Diagnostics;

/// <summary>One listener as <c>GET /api/diagnostics/ports</c> shows it.</summary>
/// <param name="Name">RTMP, HTTP or HTTPS.</param>
/// <param name="Address">The bound address.</param>
/// <param name="Port">The TCP port.</param>
/// <param name="Protocols">What is served there (e.g. HTTP and RTMP on the HTTP port).</param>
/// <param name="State">pending, bound or failed.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Connections">Connections open now.</param>
/// <param name="Setting">The setting that chooses the port.</param>
public sealed record ListenerReport(string Name, string Address, int Port, IReadOnlyList<string> Protocols, string State, string? Error, int Connections, string Setting);
