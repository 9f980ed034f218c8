using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.Admission;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp.Session;

namespace StreamHub.Tests.Admission;

/// <summary>The publish and play decision on its own, with no protocol: every outcome, what it counts, and what it
/// holds back.</summary>
public sealed class StreamAdmissionTests : IDisposable
{
    private static readonly IPAddress Encoder = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress Outsider = IPAddress.Parse("203.0.113.9");
    private static readonly PublisherInfo Publisher = new("conn-1", "198.51.100.7:5000", "obs");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<string> _attempts = [];
    private readonly LiveStreamRegistry _registry = new([], TimeProvider.System);
    private readonly FakeStreamKeyAuthorizer _keys = new();
    private readonly StreamHubMetrics _metrics;

    public StreamAdmissionTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _metrics = new StreamHubMetrics(meters, new ListenerTable(), _services, TimeProvider.System);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "streamhub_publish_attempts_total")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result")
                {
                    lock (_attempts)
                    {
                        _attempts.Add((string)tag.Value!);
                    }
                }
            }
        });
        _listener.Start();
        _keys.Keys["key-cam1"] = new PublishDecision(PublishVerdict.Allowed, "cam1");
        _keys.Keys["key-old"] = new PublishDecision(PublishVerdict.Expired, "old");
        _keys.Keys["key-ts"] = new PublishDecision(PublishVerdict.Allowed, "ts-cam", Hls: new StreamHub.Hls.StreamHlsSettings(StreamHub.Hls.HlsContainer.Ts, false));
        _keys.Keys["key-office"] = new PublishDecision(PublishVerdict.Allowed, "office", [IPNetwork.Parse("198.51.100.0/24")]);
    }

    private StreamAdmission Admission(AccessOptions? access = null, LimitsOptions? limits = null) =>
        TestAdmission.Create(_registry, _keys, access, limits, new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z")), _metrics);

    [Fact]
    public async Task The_right_key_claims_its_stream_for_the_publisher_and_counts_as_accepted()
    {
        var admission = await Admission().AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        Assert.True(admission.Admitted);
        Assert.Equal(AdmissionRefusal.None, admission.Refusal);
        Assert.Equal("cam1", admission.StreamName);
        Assert.Same(_registry.Find("cam1"), admission.Stream);
        Assert.Same(Publisher, admission.Stream.Publisher);
        Assert.Equal(TimeSpan.Zero, admission.Hold);
        Assert.Equal(["accepted"], _attempts);
    }

    [Fact]
    public async Task The_stream_s_own_hls_settings_travel_with_the_publish_to_its_sinks()
    {
        var admission = await Admission().AdmitPublishAsync("key-ts", Encoder, Publisher, CancellationToken.None);

        Assert.True(admission.Admitted);
        Assert.Equal(new StreamHub.Hls.StreamHlsSettings(StreamHub.Hls.HlsContainer.Ts, false), admission.Stream.Publisher.Hls);
        Assert.Equal(Publisher.ConnectionId, admission.Stream.Publisher.ConnectionId);
        Assert.Equal(default, (await Admission().AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None)).Stream!.Publisher.Hls);
    }

    [Fact]
    public async Task A_second_publisher_of_a_live_stream_is_refused_and_the_first_keeps_it()
    {
        var admission = Admission();
        var first = await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        var second = await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher with { ConnectionId = "conn-2" }, CancellationToken.None);

        Assert.False(second.Admitted);
        Assert.Equal(AdmissionRefusal.AlreadyLive, second.Refusal);
        Assert.Equal("cam1", second.StreamName);
        Assert.Equal(TimeSpan.Zero, second.Hold);
        Assert.Same(first.Stream, _registry.Find("cam1"));
        Assert.Equal(["accepted", "already_live"], _attempts);
    }

    [Fact]
    public async Task An_address_outside_the_publish_rules_is_refused_before_its_key_is_looked_up()
    {
        var access = new AccessOptions { Publish = { Allow = ["198.51.100.0/24"] } };

        var admission = await Admission(access).AdmitPublishAsync("key-cam1", Outsider, Publisher, CancellationToken.None);

        Assert.Equal(AdmissionRefusal.AddressDenied, admission.Refusal);
        Assert.Null(admission.StreamName);
        Assert.Null(admission.Stream);
        Assert.Empty(_keys.Asked);
        Assert.Null(_registry.Find("cam1"));
        Assert.Equal(["address_denied"], _attempts);
    }

    [Fact]
    public async Task An_expired_key_is_refused_with_its_stream_name_and_never_held()
    {
        var limits = new LimitsOptions { BadKeyAttempts = 0, BadKeyDelaySeconds = 9 };

        var admission = await Admission(limits: limits).AdmitPublishAsync("key-old", Encoder, Publisher, CancellationToken.None);

        Assert.Equal(AdmissionRefusal.Expired, admission.Refusal);
        Assert.Equal("old", admission.StreamName);
        Assert.Equal(TimeSpan.Zero, admission.Hold);
        Assert.Null(_registry.Find("old"));
        Assert.Equal(["expired"], _attempts);
    }

    [Fact]
    public async Task Unknown_keys_are_refused_without_a_name_and_held_once_an_address_has_sent_too_many()
    {
        var admission = Admission(limits: new LimitsOptions { BadKeyAttempts = 2, BadKeyDelaySeconds = 9 });

        var holds = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            var refused = await admission.AdmitPublishAsync($"guess-{i}", Encoder, Publisher, CancellationToken.None);
            Assert.Equal(AdmissionRefusal.UnknownKey, refused.Refusal);
            Assert.Null(refused.StreamName);
            holds.Add(refused.Hold);
        }
        // The right key from the same address is never held for the guesses.
        var right = await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(9)], holds);
        Assert.True(right.Admitted);
        Assert.Equal(TimeSpan.Zero, right.Hold);
        Assert.Equal(["unknown_key", "unknown_key", "unknown_key", "unknown_key", "accepted"], _attempts);
    }

    [Fact]
    public async Task The_right_key_from_outside_its_streams_networks_is_refused_and_counted_as_a_bad_key()
    {
        var admission = Admission(limits: new LimitsOptions { BadKeyAttempts = 1, BadKeyDelaySeconds = 4 });

        var first = await admission.AdmitPublishAsync("key-office", Outsider, Publisher, CancellationToken.None);
        var second = await admission.AdmitPublishAsync("key-office", Outsider, Publisher, CancellationToken.None);
        var inside = await admission.AdmitPublishAsync("key-office", Encoder, Publisher, CancellationToken.None);

        Assert.Equal(AdmissionRefusal.StreamAddressDenied, first.Refusal);
        Assert.Equal("office", first.StreamName);
        Assert.Equal(TimeSpan.Zero, first.Hold);
        Assert.Equal(TimeSpan.FromSeconds(4), second.Hold);
        Assert.True(inside.Admitted);
        Assert.Equal(["unknown_key", "unknown_key", "accepted"], _attempts);
    }

    [Fact]
    public async Task Play_is_admitted_to_a_live_stream_by_its_public_name()
    {
        var admission = Admission();
        var published = await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        var play = await admission.AdmitPlayAsync("cam1", Outsider, CancellationToken.None);

        Assert.True(play.Admitted);
        Assert.Equal(AdmissionRefusal.None, play.Refusal);
        Assert.Same(published.Stream, play.Stream);
    }

    [Fact]
    public async Task Play_is_refused_for_a_stream_that_is_not_live_or_by_its_key()
    {
        var admission = Admission();
        await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        Assert.Equal(AdmissionRefusal.NotLive, (await admission.AdmitPlayAsync("cam2", Outsider, CancellationToken.None)).Refusal);
        Assert.Equal(AdmissionRefusal.NotLive, (await admission.AdmitPlayAsync("key-cam1", Outsider, CancellationToken.None)).Refusal);
        Assert.Null((await admission.AdmitPlayAsync("cam2", Outsider, CancellationToken.None)).Stream);
    }

    [Fact]
    public async Task Play_from_an_address_outside_the_play_rules_is_refused_even_when_the_stream_is_live()
    {
        var admission = Admission(new AccessOptions { Play = { Deny = ["203.0.113.0/24"] } });
        await admission.AdmitPublishAsync("key-cam1", Encoder, Publisher, CancellationToken.None);

        var refused = await admission.AdmitPlayAsync("cam1", Outsider, CancellationToken.None);
        var allowed = await admission.AdmitPlayAsync("cam1", Encoder, CancellationToken.None);

        Assert.Equal(AdmissionRefusal.AddressDenied, refused.Refusal);
        Assert.Null(refused.Stream);
        Assert.True(allowed.Admitted);
        // Refused before the lookup: a denied address cannot tell a live name from one that is not.
        Assert.Equal(AdmissionRefusal.AddressDenied, (await admission.AdmitPlayAsync("nothing", Outsider, CancellationToken.None)).Refusal);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
        _services.Dispose();
    }
}
