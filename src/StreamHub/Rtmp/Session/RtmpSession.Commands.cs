using StreamHub.Admission;
using StreamHub.Diagnostics;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Session;

/// <summary>The publish conversation (PROTOCOL-NOTES §3): connect, releaseStream/FCPublish, createStream, publish,
/// FCUnpublish/deleteStream/closeStream.</summary>
public sealed partial class RtmpSession
{
    private RtmpCommand? OnCommand(RtmpCommand command, uint messageStreamId)
    {
        switch (command.Name)
        {
            case CommandNames.Connect:
                OnConnect(command);
                return null;
            case CommandNames.ReleaseStream:
            case CommandNames.FcPublish:
            case CommandNames.GetStreamLength:
                RequireConnected(command);
                // OBS ignores these replies; FFmpeg only warns on _error. A plain _result keeps both quiet.
                if (command.TransactionId != 0)
                {
                    WriteCommand(messageStreamId, CommandNames.Result, command.TransactionId, [null]);
                }
                return null;
            case CommandNames.CreateStream:
                RequireConnected(command);
                // The null in the third slot is required: FFmpeg reads string, number, null, number.
                WriteCommand(0, CommandNames.Result, command.TransactionId, null, (double)_nextStreamId++);
                return null;
            case CommandNames.Publish:
                RequireConnected(command);
                return command;
            case CommandNames.Play:
                // Asynchronous: a stream live on another node is pulled from there before the answer.
                return command;
            case CommandNames.FcUnpublish:
            case CommandNames.CloseStream:
            case CommandNames.DeleteStream:
                EndPublish();
                StopPlaying($"the player sent {command.Name}");
                return null;
            default:
                return null;
        }
    }

    private void RequireConnected(RtmpCommand command)
    {
        if (_state is RtmpSessionState.AwaitingConnect or RtmpSessionState.Handshake)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, $"{command.Name} before connect");
        }
    }

    private void OnConnect(RtmpCommand command)
    {
        if (_state != RtmpSessionState.AwaitingConnect)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, "connect sent twice");
        }
        var properties = command.CommandObject as AmfObject;
        var (application, instance) = SplitApplication(properties?.GetString("app"));
        if (!string.Equals(application, _options.Application, StringComparison.OrdinalIgnoreCase))
        {
            // The peer's text is not logged: a misconfigured URL can put the stream key where the application goes.
            RtmpLog.WrongApplication(_logger, _connectionId, _remoteAddress, _options.Application);
            WriteCommand(0, CommandNames.Error, command.TransactionId, null,
                CommandWriter.Status(RtmpStatusCodes.LevelError, RtmpStatusCodes.ConnectRejected, $"Unknown application; publish to rtmp://host/{_options.Application}/streamKey"));
            _state = RtmpSessionState.Closing;
            return;
        }
        // What follows the application is kept, not logged: it is the stream key when the URL ended in a slash.
        _applicationInstance = instance;
        // Logged and shown on the dashboard: escaped and cut, since the peer chose it.
        _encoder = PeerText.Sanitize(properties?.GetString("flashVer"));
        var output = _transport.Output;
        ControlMessageWriter.WriteWindowAcknowledgementSize(output, (uint)_options.WindowAckSize, _outChunkSize);
        ControlMessageWriter.WriteSetPeerBandwidth(output, (uint)_options.WindowAckSize, PeerBandwidthLimit.Dynamic, _outChunkSize);
        ControlMessageWriter.WriteSetChunkSize(output, _options.OutChunkSize, _outChunkSize);
        _outChunkSize = _options.OutChunkSize;

        var serverInfo = new AmfObject
        {
            ["fmsVer"] = "FMS/3,0,1,123",
            ["capabilities"] = 31.0,
            ["mode"] = 1.0,
        };
        if (properties?.GetValueOrDefault("fourCcList") is List<object?> requested)
        {
            // Enhanced RTMP: answer only with the requested FourCCs a viewer can get today, so an encoder that offers
            // several falls back to one of these instead of sending video that nothing packages.
            serverInfo["fourCcList"] = requested.Where(IsServedFourCc).ToList();
        }
        var status = CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.ConnectSuccess, "Connection succeeded.");
        status["objectEncoding"] = properties?.GetNumber("objectEncoding") ?? 0.0;
        WriteCommand(0, CommandNames.Result, command.TransactionId, serverInfo, status);
        _state = RtmpSessionState.Connected;
        // The configured name, not the peer's text, which may carry the key.
        RtmpLog.Connected(_logger, _connectionId, _remoteAddress, _options.Application, _encoder);
    }

    /// <summary>H.264 (<c>avc1</c>), HEVC (<c>hvc1</c>), AV1 (<c>av01</c>) and AAC (<c>mp4a</c>): the codecs the HLS
    /// packager writes into segments (HEVC and AV1 in fMP4). The readers recognise more (vp09, Opus, ...), but HLS drops
    /// those frames.</summary>
    private static bool IsServedFourCc(object? value)
    {
        if (value is not string { Length: 4 } text)
        {
            return false;
        }
        var fourCc = (uint)(text[0] << 24 | text[1] << 16 | text[2] << 8 | text[3]);
        return FourCc.ToVideoCodec(fourCc) is VideoCodec.H264 or VideoCodec.Hevc or VideoCodec.Av1 || FourCc.ToAudioCodec(fourCc) == AudioCodec.Aac;
    }

    /// <summary>The application and what follows it: "live", "Live", "live/" and "live?token=x" all name the
    /// application "live" (compared without regard to case by the caller); "live/KEY" and "live/KEY/" are "live" and
    /// "KEY". FFmpeg, librtmp and GStreamer's rtmp2sink send the latter for rtmp://host/live/KEY/, with an empty stream
    /// name.</summary>
    private static (string Application, string Instance) SplitApplication(string? application)
    {
        if (application is null)
        {
            return (string.Empty, string.Empty);
        }
        var query = application.IndexOf('?');
        if (query >= 0)
        {
            application = application[..query];
        }
        application = application.TrimEnd('/');
        var slash = application.IndexOf('/');
        return slash < 0 ? (application, string.Empty) : (application[..slash], application[(slash + 1)..]);
    }

    /// <summary>The stream key: the publish name without its query string, or, when that is empty, what followed the
    /// application in connect (a URL pasted with a slash after the key).</summary>
    private string PublishKey(RtmpCommand command)
    {
        var key = command.StringArgument(0) ?? string.Empty;
        var query = key.IndexOf('?');
        if (query >= 0)
        {
            key = key[..query];
        }
        if (key.Length == 0 && _applicationInstance.Length > 0)
        {
            RtmpLog.KeyFromApplicationPath(_logger, _connectionId, _remoteAddress);
            return _applicationInstance;
        }
        return key;
    }

    /// <summary>publish(txn, null, key, "live"): the key is checked and the stream claimed (<see cref="StreamAdmission"/>),
    /// then StreamBegin and NetStream.Publish.Start on the publishing message stream. A refusal is an error onStatus
    /// then a close, so the encoder fails at once instead of waiting.</summary>
    private async ValueTask PublishAsync(RtmpCommand command, uint messageStreamId, CancellationToken closed)
    {
        if (_stream is not null)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, "publish sent twice on one connection");
        }
        if (_player is not null)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, "publish on a connection that plays");
        }
        var key = PublishKey(command);
        var admission = await _admission.AdmitPublishAsync(key, _remoteIp, new PublisherInfo(_connectionId, _remoteAddress, _encoder), closed);
        if (admission.Admitted)
        {
            var stream = admission.Stream;
            _stream = stream;
            // An admin deleting the stream stops it: the pending read is cancelled and the connection closes.
            _stopRegistration = stream.Stopped.Register(static state => ((RtmpSession)state!).StopByAdmin(), this);
            _state = RtmpSessionState.Publishing;
            _chunks.MaxMediaMessageSize = _options.MaxMessageSize;
            ControlMessageWriter.WriteUserControl(_transport.Output, UserControlEvent.StreamBegin, messageStreamId, _outChunkSize);
            WriteCommand(messageStreamId, CommandNames.OnStatus, 0, null,
                CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.PublishStart, $"{stream.Name} is now published."));
            RtmpLog.PublishStarted(_logger, _connectionId, _remoteAddress, stream.Name);
            return;
        }
        var name = admission.StreamName ?? "?";
        switch (admission.Refusal)
        {
            case AdmissionRefusal.AddressDenied:
                RtmpLog.PublishAddressDenied(_logger, _connectionId, _remoteAddress);
                break;
            case AdmissionRefusal.StreamAddressDenied:
                RtmpLog.PublishStreamAddressDenied(_logger, _connectionId, _remoteAddress, name);
                break;
            case AdmissionRefusal.AlreadyLive:
                RtmpLog.PublishAlreadyLive(_logger, _connectionId, _remoteAddress, name);
                RefusePublish(messageStreamId, RtmpStatusCodes.PublishBadName, "Stream is already being published.");
                return;
            case AdmissionRefusal.LiveOnOtherNode:
                RtmpLog.PublishLiveOnOtherNode(_logger, _connectionId, _remoteAddress, name, admission.Detail ?? "?");
                RefusePublish(messageStreamId, RtmpStatusCodes.PublishBadName, "Stream is already being published on another node.");
                return;
            case AdmissionRefusal.StoreUnavailable:
                RtmpLog.PublishStoreUnavailable(_logger, _connectionId, _remoteAddress, admission.Detail ?? "?");
                RefusePublish(messageStreamId, RtmpStatusCodes.PublishFailed,
                    "The stream store is unreachable; publishing is refused until it is back. Try again shortly.");
                return;
            case AdmissionRefusal.Expired:
                RtmpLog.PublishExpired(_logger, _connectionId, _remoteAddress, name);
                RefusePublish(messageStreamId, RtmpStatusCodes.PublishDenied, "Stream key expired.");
                return;
            default:
                RtmpLog.PublishUnknownKey(_logger, _connectionId, _remoteAddress);
                break;
        }
        // A refused address and a right key from outside the stream's networks are answered as a bad key is, so the
        // peer learns nothing about keys.
        await HoldBadKeyRefusalAsync(admission.Hold, closed);
        RefusePublish(messageStreamId, RtmpStatusCodes.PublishBadName, "Unknown stream key.");
    }

    /// <summary>An address that sent many bad keys waits for the refusal of each further one (BadKeyThrottle); the right
    /// key never waits.</summary>
    private async ValueTask HoldBadKeyRefusalAsync(TimeSpan held, CancellationToken closed)
    {
        if (held > TimeSpan.Zero)
        {
            RtmpLog.PublishRefusalHeld(_logger, _connectionId, _remoteAddress, (int)Math.Ceiling(held.TotalSeconds));
            await Task.Delay(held, closed);
        }
    }

    private void RefusePublish(uint messageStreamId, string code, string description)
    {
        WriteCommand(messageStreamId, CommandNames.OnStatus, 0, null, CommandWriter.Status(RtmpStatusCodes.LevelError, code, description));
        _state = RtmpSessionState.Closing;
    }

    /// <summary>Runs on the admin's thread: the read loop, woken by the cancelled read, closes the session itself.</summary>
    private void StopByAdmin()
    {
        RtmpLog.PublishStoppedByAdmin(_logger, _connectionId, _remoteAddress, _stream?.Name ?? "?");
        _stopRequested = true;
        _transport.Input.CancelPendingRead();
    }

    private void EndPublish()
    {
        var stream = _stream;
        if (stream is null)
        {
            return;
        }
        _stream = null;
        _stopRegistration.Dispose();
        _registry.EndPublish(stream);
        _chunks.MaxMediaMessageSize = _options.MaxCommandSize;
        if (_state == RtmpSessionState.Publishing)
        {
            _state = RtmpSessionState.Connected;
        }
        RtmpLog.PublishEnded(_logger, _connectionId, stream.Name, (long)(DateTimeOffset.UtcNow - stream.StartedAt).TotalSeconds,
            stream.BytesReceived, stream.VideoFrames, stream.AudioFrames, stream.TimestampAnomalies);
    }

    private void WriteCommand(uint messageStreamId, string name, double transactionId, params ReadOnlySpan<object?> values)
    {
        var chunkStreamId = messageStreamId == 0 ? CommandChunkStreamId : StreamChunkStreamId;
        CommandWriter.Write(_transport.Output, _scratch, chunkStreamId, messageStreamId, _outChunkSize, name, transactionId, values);
        _outputPending = true;
    }
}
