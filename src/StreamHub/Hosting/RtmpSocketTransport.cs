using System.IO.Pipelines;

namespace StreamHub.Hosting;

/// <summary>A plain RTMP connection's pipes when it writes straight to its socket: Kestrel's input, the socket's own
/// output (<see cref="RtmpSocketOutput"/>).</summary>
public sealed class RtmpSocketTransport(PipeReader input, RtmpSocketOutput output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
