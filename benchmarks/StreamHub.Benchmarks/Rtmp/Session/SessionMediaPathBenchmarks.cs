using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Admission;
using StreamHub.Live;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Session;
using StreamHub.Security;

namespace StreamHub.Benchmarks.Rtmp.Session;

/// <summary>The whole ingest path of a publishing session: pipe → chunk reader → FLV header → MediaFrame →
/// LiveStream.Write → release. The pipes run their continuations inline, so one operation (100 × 12 KB video
/// messages fed as 1460-byte TCP-sized writes) is processed synchronously on the benchmark thread.</summary>
[MemoryDiagnoser]
public class SessionMediaPathBenchmarks
{
    private const int Messages = 100;
    private Pipe _toServer = null!;
    private Pipe _toClient = null!;
    private RtmpSession _session = null!;
    private Task _run = null!;
    private byte[] _media = [];

    [Params(128, 4096)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var inline = new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, useSynchronizationContext: false);
        _toServer = new Pipe(inline);
        _toClient = new Pipe(inline);
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        _session = new RtmpSession(new Duplex(_toServer.Reader, _toClient.Writer), "bench", "local", new RtmpOptions(),
            registry, new StreamAdmission(registry, new AllowAllAuthorizer(), new AccessPolicy(Options.Create(new AccessOptions())),
                new BadKeyThrottle(Options.Create(new LimitsOptions()), TimeProvider.System)), NullLogger.Instance);
        _run = _session.RunAsync(CancellationToken.None);

        var setup = new ArrayBufferWriter<byte>();
        setup.Write(new byte[] { 3 });
        setup.Write(new byte[1536 * 2]); // C1 (version zero) and C2
        Command(setup, 0, "connect", 1, new AmfObject { ["app"] = "live" });
        Command(setup, 0, "createStream", 2, [null]);
        Command(setup, 1, "publish", 3, null, "key", "live");
        var setChunkSize = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(setChunkSize, (uint)ChunkSize);
        ChunkWriter.WriteMessage(setup, 2, 0, RtmpMessageType.SetChunkSize, 0, setChunkSize, 128);
        Feed(setup.WrittenSpan.ToArray());
        if (registry.Find("bench") is null)
        {
            throw new InvalidOperationException("The session did not accept the publish.");
        }

        var media = new ArrayBufferWriter<byte>();
        var body = new byte[12_005];
        body[0] = 0x27;
        body[1] = 0x01;
        for (var i = 0; i < Messages; i++)
        {
            ChunkWriter.WriteMessage(media, 6, (uint)i * 40, RtmpMessageType.Video, 1, body, ChunkSize);
        }
        _media = media.WrittenSpan.ToArray();
    }

    [Benchmark]
    public void Publish100VideoMessages() => Feed(_media);

    [GlobalCleanup]
    public void Cleanup()
    {
        _toServer.Writer.Complete();
        _run.GetAwaiter().GetResult();
        _session.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private void Feed(byte[] bytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += 1460)
        {
            var flush = _toServer.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(1460, bytes.Length - offset)));
            if (!flush.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("The session did not consume inline.");
            }
        }
        // Drop what the server answered (handshake, replies, acknowledgements).
        if (_toClient.Reader.TryRead(out var answer))
        {
            _toClient.Reader.AdvanceTo(answer.Buffer.End);
        }
    }

    private static void Command(IBufferWriter<byte> output, uint streamId, string name, double transaction, params object?[] values)
    {
        var body = new ArrayBufferWriter<byte>();
        Amf0Writer.WriteString(body, name);
        Amf0Writer.WriteNumber(body, transaction);
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(body, value);
        }
        ChunkWriter.WriteMessage(output, 3, 0, RtmpMessageType.Amf0Command, streamId, body.WrittenSpan, 128);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
