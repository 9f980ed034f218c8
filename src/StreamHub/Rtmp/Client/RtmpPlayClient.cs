using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Client;

/// <summary>The playing side of RTMP, for pulling a live stream from a server (an edge node from its origin): the
/// conversation of <see cref="RtmpPublishClient"/> (handshake, connect, createStream) then play, and the server's
/// onMetaData, sequence headers and media read into <see cref="MediaFrame"/>s with pooled payloads, through the chunk
/// reader and tag-header reader ingest uses, under the limits given in <see cref="RtmpClientOptions"/>.
/// <para>Every wait is bounded by <see cref="RtmpClientOptions.ReplyTimeout"/>: each step of the conversation, the
/// first frame after play, and any silence of the server afterwards (a live origin sends media continuously, and
/// pings when it has none). One reader at a time.</para></summary>
public sealed class RtmpPlayClient : IAsyncDisposable
{
    private readonly RtmpPublishClient _client;
    private readonly uint _streamId;
    private readonly CancellationToken _stopped;

    // The caller's token and the silence timer, re-armed by each message (no timer or source per read).
    private readonly CancellationTokenSource _reading;
    private bool _ended;

    private RtmpPlayClient(RtmpPublishClient client, uint streamId, CancellationToken stopped)
    {
        _client = client;
        _streamId = streamId;
        _stopped = stopped;
        _reading = CancellationTokenSource.CreateLinkedTokenSource(stopped);
    }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and plays <paramref name="streamName"/> of
    /// <paramref name="application"/>; returns once the server answered NetStream.Play.Start. A refusal, a silence or a
    /// protocol violation is an <see cref="RtmpClientException"/>. <paramref name="cancellationToken"/> bounds the
    /// whole play, reads included.</summary>
    public static async Task<RtmpPlayClient> OpenAsync(string host, int port, string application, string streamName,
        RtmpClientOptions options, CancellationToken cancellationToken)
    {
        var client = await RtmpPublishClient.ConnectAsync(host, port, options, cancellationToken);
        try
        {
            await client.HandshakeAsync(cancellationToken: cancellationToken);
            var authority = host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
            await client.ConnectAppAsync(application, $"rtmp://{authority}/{application}", cancellationToken);
            var streamId = await client.PlayAsync(streamName, cancellationToken);
            return new RtmpPlayClient(client, streamId, cancellationToken);
        }
        catch
        {
            await client.AbortAsync();
            throw;
        }
    }

    /// <summary>The next frame (the caller releases it) or onMetaData (AMF values, the server's text unsanitised), or
    /// the end: an <see cref="RtmpPlayEnd"/> saying why (the publisher stopped, the server closed the connection).
    /// The server's silence for longer than <see cref="RtmpClientOptions.ReplyTimeout"/> and its protocol violations
    /// are <see cref="RtmpClientException"/>s.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(LiveItem Item, RtmpPlayEnd? End)> ReadAsync()
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        while (true)
        {
            _reading.CancelAfter(_client.Options.ReplyTimeout);
            RtmpMessage? next;
            try
            {
                next = await _client.ReadMessageAsync(_reading.Token);
            }
            catch (OperationCanceledException) when (!_stopped.IsCancellationRequested)
            {
                throw new RtmpClientException(RtmpClientError.Timeout,
                    $"the server sent nothing for {_client.Options.ReplyTimeout.TotalSeconds:0.###} s");
            }
            if (next is not { } message)
            {
                _ended = true;
                return (default, RtmpPlayEnd.ConnectionClosed);
            }
            try
            {
                if (Read(message) is { } item)
                {
                    return item;
                }
            }
            catch (RtmpProtocolException e)
            {
                throw new RtmpClientException(RtmpClientError.ProtocolViolation,
                    $"the server broke the RTMP protocol ({e.Error}): {e.Message}", innerException: e);
            }
        }
    }

    private (LiveItem, RtmpPlayEnd?)? Read(in RtmpMessage message)
    {
        switch (message.Type)
        {
            case RtmpMessageType.Audio or RtmpMessageType.Video when message.StreamId == _streamId && !message.Payload.IsEmpty:
                var body = message.Payload;
                var header = MediaMessageReader.ReadHeader(message.Type, ref body);
                // The server's own tag header: a StreamHub origin wrote the keyframe flag from the frame it checked.
                return header.IsMedia ? (new LiveItem(MediaMessageReader.CreateFrame(header, body, message.Clock, header.IsKeyframe)), null) : null;
            case RtmpMessageType.Amf0Data or RtmpMessageType.Amf3Data when message.StreamId == _streamId:
                var values = AmfMessageReader.ReadValues(message.Payload, message.Type == RtmpMessageType.Amf3Data,
                    _client.Options.MaxAmfDepth, _client.Options.MaxAmfValues);
                var start = values.Count > 0 && values[0] is CommandNames.SetDataFrame ? 1 : 0;
                return values.Count >= start + 2 && values[start] is CommandNames.OnMetaData && values[start + 1] is AmfObject metadata
                    ? (new LiveItem(metadata), null)
                    : null;
            case RtmpMessageType.Amf0Command or RtmpMessageType.Amf3Command:
                var command = AmfMessageReader.ReadCommand(message.Payload, message.Type == RtmpMessageType.Amf3Command,
                    _client.Options.MaxAmfDepth, _client.Options.MaxAmfValues);
                var code = RtmpClientException.InfoObject(command)?.GetString("code");
                if (code is RtmpStatusCodes.PlayUnpublishNotify or RtmpStatusCodes.PlayStop)
                {
                    _ended = true;
                    return (default, RtmpPlayEnd.Unpublished);
                }
                return null;
            case RtmpMessageType.UserControl:
                var (userEvent, value) = ControlMessageReader.ReadUserControl(message.Payload);
                if (userEvent == UserControlEvent.StreamEof && value == _streamId)
                {
                    _ended = true;
                    return (default, RtmpPlayEnd.Unpublished);
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>Closes the connection at once (nothing is sent: the server sees the player leave).</summary>
    public async ValueTask DisposeAsync()
    {
        _ended = true;
        await _client.AbortAsync();
        _reading.Dispose();
    }
}
