using System.Buffers;
using System.Diagnostics;
using System.Net;

namespace StreamHub.LoadTest;

/// <summary>A load-test HTTP-FLV viewer: <c>GET /flv/{name}.flv</c> (HttpClient undoes the chunked encoding), then the
/// FLV tags are walked and their data skipped. Only the 11-byte tag headers are looked at:
/// <code>
/// FLV header: 'F' 'L' 'V' version(1) flags(1) data offset(4, BE) — then PreviousTagSize0(4)
/// tag: type(1) data size(3) timestamp(3) timestamp extended(1) stream id(3) — data — PreviousTagSize(4)
/// </code>
/// A video tag's latency is taken when its last byte arrives, as for <see cref="RtmpPlayer"/>.</summary>
public sealed class FlvViewer : IFanOutViewer
{
    private const int BufferSize = 64 * 1024;
    private const int TagHeaderSize = 11;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);

    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly byte[] _header = new byte[TagHeaderSize];
    private readonly FrameSendLog _sendLog;
    private readonly LatencyHistogram _latency;
    private readonly CancellationTokenSource _stop = new();
    private HttpResponseMessage? _response;
    private Stream? _body;
    private Task _loop = Task.CompletedTask;

    /// <summary>Bytes of the file header and PreviousTagSize0 still to skip; then 0.</summary>
    private int _preamble = -1;
    private int _headerFilled;
    /// <summary>Data and PreviousTagSize bytes of the current tag still to skip.</summary>
    private int _skip;
    private bool _videoPending;
    private uint _pendingTimestamp;
    private long _receivedAt;

    private FlvViewer(FrameSendLog sendLog, LatencyHistogram latency)
    {
        _sendLog = sendLog;
        _latency = latency;
    }

    public long VideoTags { get; private set; }

    public long LastVideoTimestamp { get; private set; } = -1;

    public long Receives { get; private set; }

    public long BytesReceived { get; private set; }

    public string? Ended { get; private set; }

    /// <summary>Requests the stream and returns once the response headers say 200 and the first bytes of the body
    /// have arrived; reading goes on in the background.</summary>
    public static async Task<FlvViewer> WatchAsync(HttpClient http, Uri url, FrameSendLog sendLog, LatencyHistogram latency,
        CancellationToken cancellationToken)
    {
        var viewer = new FlvViewer(sendLog, latency);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ReplyTimeout);
            viewer._response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (viewer._response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {url.AbsolutePath}: {(int)viewer._response.StatusCode} {viewer._response.ReasonPhrase}");
            }
            viewer._body = await viewer._response.Content.ReadAsStreamAsync(deadline.Token);
            var first = await viewer._body.ReadAsync(viewer._buffer.AsMemory(0, BufferSize), deadline.Token);
            if (first < 3 || viewer._buffer[0] != 'F' || viewer._buffer[1] != 'L' || viewer._buffer[2] != 'V')
            {
                throw new InvalidOperationException($"GET {url.AbsolutePath}: the body does not start with an FLV header");
            }
            viewer._receivedAt = Stopwatch.GetTimestamp();
            viewer.BytesReceived = first;
            viewer._preamble = 9 + 4;
            viewer.Parse(viewer._buffer.AsSpan(0, first));
            viewer._loop = viewer.RunAsync();
        }
        catch
        {
            await viewer.DisposeAsync();
            throw;
        }
        return viewer;
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var read = await _body!.ReadAsync(_buffer.AsMemory(0, BufferSize), _stop.Token);
                if (read == 0)
                {
                    Ended ??= "the server ended the response";
                    return;
                }
                _receivedAt = Stopwatch.GetTimestamp();
                Receives++;
                BytesReceived += read;
                Parse(_buffer.AsSpan(0, read));
            }
        }
        catch (Exception e)
        {
            Ended ??= e.Message;
        }
    }

    private void Parse(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_preamble > 0)
            {
                var take = Math.Min(_preamble, data.Length);
                _preamble -= take;
                data = data[take..];
                continue;
            }
            if (_skip > 0)
            {
                var take = Math.Min(_skip, data.Length);
                _skip -= take;
                data = data[take..];
                if (_skip == 0 && _videoPending)
                {
                    _videoPending = false;
                    VideoTags++;
                    LastVideoTimestamp = _pendingTimestamp;
                    _latency.Add(_sendLog, _pendingTimestamp, _receivedAt);
                }
                continue;
            }
            var need = Math.Min(TagHeaderSize - _headerFilled, data.Length);
            data[..need].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += need;
            data = data[need..];
            if (_headerFilled < TagHeaderSize)
            {
                return;
            }
            _headerFilled = 0;
            var size = (_header[1] << 16) | (_header[2] << 8) | _header[3];
            _pendingTimestamp = (uint)((_header[7] << 24) | (_header[4] << 16) | (_header[5] << 8) | _header[6]);
            _videoPending = (_header[0] & 0x1F) == 9;
            _skip = size + 4;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ended ??= "closed by the load test";
        _stop.Cancel();
        _response?.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // The loop ends with the response.
        }
        _stop.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
