using System.Buffers;
using StreamHub.Hosting;
using StreamHub.Media;
using StreamHub.Media.Flv;

namespace StreamHub.Rtmp.Playback;

/// <summary>What one RTMP receiver of a live stream is sent, frame by frame: an RTMP player or a restream target.
/// Coded frames go out at their own DTS in the chunks every receiver of the same chunk size and message stream id
/// shares (<see cref="MediaFrame.GetOrAddEncoding"/>); sequence headers, which come again after a drop with the time
/// they were first sent, never go back in time, so they are written for this receiver alone. Frames of other tracks
/// and of codecs FLV cannot carry are skipped. One writer at a time.</summary>
public sealed class RtmpMediaOutput
{
    private long _clock = long.MinValue;

    /// <summary>The latest timestamp written, for data messages (onMetaData) sent between frames.</summary>
    public uint Timestamp => _clock == long.MinValue ? 0 : unchecked((uint)_clock);

    /// <summary>A new connection: timestamps start again from the first frame written.</summary>
    public void Reset() => _clock = long.MinValue;

    /// <summary>Writes <paramref name="frame"/>'s message; returns the bytes written (0 when skipped).</summary>
    public int Write(IBufferWriter<byte> output, MediaFrame frame, int chunkSize, uint messageStreamId) =>
        Write(output, frame, chunkSize, messageStreamId, taking: false);

    /// <summary>As <see cref="Write(IBufferWriter{byte}, MediaFrame, int, uint)"/>, and takes over the caller's
    /// reference to <paramref name="frame"/>: a socket output keeps it until the frame's chunks are sent, and it is
    /// released here otherwise.</summary>
    public int WriteTaking(IBufferWriter<byte> output, MediaFrame frame, int chunkSize, uint messageStreamId) =>
        Write(output, frame, chunkSize, messageStreamId, taking: true);

    private int Write(IBufferWriter<byte> output, MediaFrame frame, int chunkSize, uint messageStreamId, bool taking)
    {
        var handedOver = false;
        try
        {
            if (frame.TrackId != 0 || !FlvTagWriter.CanWrite(frame))
            {
                return 0;
            }
            if (frame.FrameKind != MediaFrameKind.Coded)
            {
                var at = Math.Max(_clock, frame.Dts);
                return RtmpMediaChunks.Write(output, frame, at == long.MinValue ? 0 : unchecked((uint)at), chunkSize, messageStreamId);
            }
            _clock = Math.Max(_clock, frame.Dts);
            var key = RtmpMediaChunks.SharedKey(chunkSize, messageStreamId);
            if (key >= 0)
            {
                var shared = frame.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(frame, chunkSize), RtmpMediaChunks.Shared);
                if (!shared.IsEmpty)
                {
                    if (output is RtmpSocketOutput socket)
                    {
                        // Straight to the socket: the shared chunks by reference, the frame held until they are sent.
                        if (taking)
                        {
                            handedOver = true;
                            socket.WriteTaking(shared, frame);
                        }
                        else
                        {
                            socket.Write(shared, frame);
                        }
                    }
                    else
                    {
                        output.Write(shared.Span);
                    }
                    return shared.Length;
                }
            }
            return RtmpMediaChunks.Write(output, frame, unchecked((uint)frame.Dts), chunkSize, messageStreamId);
        }
        finally
        {
            if (taking && !handedOver)
            {
                frame.Release();
            }
        }
    }
}
