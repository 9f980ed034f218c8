using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;

namespace StreamHub.Rtmp.Client;

/// <summary>The publish conversation failed: the server refused, went silent, closed or broke the protocol. The
/// message names the step and the server's status code, never the description or the stream name: a server may echo
/// the stream key, and the key to another server is a secret like any other.</summary>
public sealed class RtmpClientException(RtmpClientError error, string message, RtmpCommand? reply = null, Exception? innerException = null,
    byte[]? received = null)
    : Exception(message, innerException)
{
    public RtmpClientError Error { get; } = error;

    /// <summary>For a failed handshake, the start of what the server sent (empty when it sent nothing): "HTTP/" from
    /// an HTTP server, 0x15 or 0x16 from a TLS one, 0x03 and less than S0, S1 and S2 from an RTMP server that stopped
    /// half way.</summary>
    public ReadOnlyMemory<byte> Received { get; } = received ?? [];

    /// <summary>The server's answer when it refused (_error or an error onStatus); null otherwise.</summary>
    public RtmpCommand? Reply { get; } = reply;

    /// <summary>The code of the refusal's info object, e.g. NetStream.Publish.BadName.</summary>
    public string? StatusCode => InfoObject(Reply)?.GetString("code");

    /// <summary>The server's words for the refusal, e.g. "Unknown stream key."; may hold peer text, so keep it out of
    /// logs unless the server is trusted.</summary>
    public string? Description => InfoObject(Reply)?.GetString("description");

    /// <summary>The info object of _result, _error and onStatus: the first argument (RTMP 1.0 §7.2.1.1), or the
    /// command object for servers that put it there.</summary>
    internal static AmfObject? InfoObject(RtmpCommand? command) =>
        command is null ? null : command.Arguments.Count > 0 && command.Arguments[0] is AmfObject info ? info : command.CommandObject as AmfObject;
}
