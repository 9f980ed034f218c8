using System.IO.Pipelines;

namespace StreamHub.Rtmp.Encryption;

/// <summary>The transport of an RTMPE connection after its handshake: what arrives is decrypted and what is written is
/// encrypted, in place in the underlying pipes' own buffers, so the session above reads and writes plain RTMP.</summary>
public sealed class RtmpeDuplexPipe(IDuplexPipe transport, Rc4 receive, Rc4 send) : IDuplexPipe
{
    public PipeReader Input { get; } = new RtmpeReader(transport.Input, receive);

    public PipeWriter Output { get; } = new RtmpeWriter(transport.Output, send);
}
