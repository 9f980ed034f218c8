using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace StreamHub.Diagnostics.Metrics;

/// <summary>Collects the measurements of StreamHub's meter and the runtime's (<c>System.Runtime</c>) with a
/// <see cref="MeterListener"/> and renders them in the Prometheus text exposition format (version 0.0.4).
/// Each instrument keeps at most <see cref="MaxSeriesPerInstrument"/> label sets; further ones are folded into one
/// series labelled <c>overflow="true"</c>, so a flood of stream names cannot blow up the scrape.</summary>
public sealed class PrometheusExporter : IDisposable
{
    public const int MaxSeriesPerInstrument = 1000;
    private const string RuntimeMeter = "System.Runtime";
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _scrape = new();

    public PrometheusExporter(StreamHubMetrics ownMetrics)
    {
        // ownMetrics is created first, so its instruments are published when the listener starts. Only this host's
        // StreamHub meter is exported (another host in the same process has its own), plus the runtime's.
        var own = ownMetrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == own || instrument.Meter.Name == RuntimeMeter)
            {
                _instruments[instrument] = new InstrumentState(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_instruments.TryGetValue(instrument, out var state))
        {
            state.Record(value, tags);
        }
    }

    /// <summary>One scrape: observable instruments are read now; everything is written in exposition format.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            foreach (var state in _instruments.Values)
            {
                state.BeginScrape();
            }
            _listener.RecordObservableInstruments();
            var text = new StringBuilder(4096);
            foreach (var state in _instruments.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                state.Write(text);
            }
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed class InstrumentState
    {
        private readonly Kind _kind;
        private readonly bool _observable;
        private readonly bool _cumulative;
        private readonly string _help;
        private readonly double[] _buckets;
        private readonly ConcurrentDictionary<LabelKey, Series> _series = new();

        public InstrumentState(Instrument instrument)
        {
            var type = instrument.GetType().GetGenericTypeDefinition();
            _observable = instrument.IsObservable;
            (_kind, _cumulative) = type.Name switch
            {
                "Counter`1" or "ObservableCounter`1" => (Kind.Counter, true),
                "Histogram`1" => (Kind.Histogram, true),
                "UpDownCounter`1" => (Kind.Gauge, true),
                _ => (Kind.Gauge, false),
            };
            Name = PrometheusName(instrument, _kind);
            // A histogram may advise its own bounds (a wake-up delay is read in milliseconds, not seconds).
            _buckets = instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } advised }
                ? [.. advised]
                : DefaultBuckets;
            _help = (instrument.Description ?? instrument.Name).Replace('\n', ' ');
        }

        public string Name { get; }

        public void BeginScrape()
        {
            if (_observable)
            {
                _series.Clear(); // observable series are re-read each scrape: ended streams disappear
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // The lookup key holds the tag values themselves: no allocation once a series exists.
            var key = LabelKey.From(tags);
            if (!_series.TryGetValue(key, out var series))
            {
                var labels = Labels(tags);
                if (_series.Count >= MaxSeriesPerInstrument)
                {
                    key = LabelKey.Overflow;
                    labels = "{overflow=\"true\"}";
                }
                // A static factory: a capturing lambda here would allocate its closure on every call, hit or miss.
                series = _series.GetOrAdd(key, static (_, made) => new Series(made.Labels, made.Buckets),
                    (Labels: labels, Buckets: _kind == Kind.Histogram ? _buckets.Length : 0));
            }
            // Counters and gauges take no lock (they are on the media path: bytes and frames per frame); histograms,
            // which StreamHub's media path does not use, update their buckets under the series' lock.
            if (_kind != Kind.Histogram)
            {
                if (_cumulative && !_observable)
                {
                    double seen, sum;
                    do
                    {
                        seen = Volatile.Read(ref series.Sum);
                        sum = seen + value;
                    }
                    while (Interlocked.CompareExchange(ref series.Sum, sum, seen) != seen);
                }
                else
                {
                    Volatile.Write(ref series.Sum, value);
                }
                return;
            }
            lock (series)
            {
                series.Sum += value;
                series.Count++;
                for (var i = 0; i < _buckets.Length; i++)
                {
                    if (value <= _buckets[i])
                    {
                        series.Buckets[i]++;
                    }
                }
            }
        }

        public void Write(StringBuilder text)
        {
            if (_series.IsEmpty)
            {
                return;
            }
            text.Append("# HELP ").Append(Name).Append(' ').Append(_help).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(_kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" }).Append('\n');
            foreach (var series in _series.Values.OrderBy(s => s.Labels, StringComparer.Ordinal))
            {
                var labels = series.Labels;
                if (_kind != Kind.Histogram)
                {
                    text.Append(Name).Append(labels).Append(' ').Append(Number(Volatile.Read(ref series.Sum))).Append('\n');
                    continue;
                }
                lock (series)
                {
                    var inner = labels.Length > 2 ? labels[1..^1] + "," : "";
                    for (var i = 0; i < _buckets.Length; i++)
                    {
                        text.Append(Name).Append("_bucket{").Append(inner).Append("le=\"").Append(Number(_buckets[i])).Append("\"} ")
                            .Append(series.Buckets[i]).Append('\n');
                    }
                    text.Append(Name).Append("_bucket{").Append(inner).Append("le=\"+Inf\"} ").Append(series.Count).Append('\n');
                    text.Append(Name).Append("_sum").Append(labels).Append(' ').Append(Number(series.Sum)).Append('\n');
                    text.Append(Name).Append("_count").Append(labels).Append(' ').Append(series.Count).Append('\n');
                }
            }
        }

        public static string Render(ReadOnlySpan<KeyValuePair<string, object?>> tags) => Labels(tags);

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                return "";
            }
            var text = new StringBuilder("{");
            var sorted = tags.ToArray();
            Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }
                text.Append(Sanitize(sorted[i].Key)).Append("=\"");
                foreach (var c in Convert.ToString(sorted[i].Value, CultureInfo.InvariantCulture) ?? "")
                {
                    _ = c switch
                    {
                        '\\' => text.Append("\\\\"),
                        '"' => text.Append("\\\""),
                        '\n' => text.Append("\\n"),
                        _ => text.Append(c),
                    };
                }
                text.Append('"');
            }
            return text.Append('}').ToString();
        }

        private static string PrometheusName(Instrument instrument, Kind kind)
        {
            var name = Sanitize(instrument.Name);
            if (instrument.Meter.Name == StreamHubMetrics.MeterName)
            {
                return name; // already named the Prometheus way
            }
            var unit = instrument.Unit switch
            {
                "By" => "_bytes",
                "s" => "_seconds",
                _ => "",
            };
            if (unit.Length > 0 && !name.EndsWith(unit, StringComparison.Ordinal))
            {
                name += unit;
            }
            if (kind == Kind.Counter)
            {
                return name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";
            }
            // _count, _sum and _bucket belong to histograms and summaries in the exposition format.
            return kind != Kind.Histogram && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal)
                || name.EndsWith("_bucket", StringComparison.Ordinal)) ? name + "_value" : name;
        }

        private static string Sanitize(string name)
        {
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_'))
                {
                    chars[i] = '_';
                }
            }
            return new string(chars);
        }

        private static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    private sealed class Series(string labels, int buckets)
    {
        public readonly string Labels = labels;
        public double Sum;
        public long Count;
        public readonly long[] Buckets = new long[buckets];
    }

    /// <summary>Up to three tags by value (StreamHub's instruments use one or two); more are keyed by their rendered
    /// text.</summary>
    private readonly record struct LabelKey(int Count, string? K1, object? V1, string? K2, object? V2, string? K3, object? V3, string? Text)
    {
        public static readonly LabelKey Overflow = new(-1, null, null, null, null, null, null, null);

        public static LabelKey From(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length switch
        {
            0 => default,
            1 => new(1, tags[0].Key, tags[0].Value, null, null, null, null, null),
            2 => new(2, tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, null, null, null),
            3 => new(3, tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, tags[2].Key, tags[2].Value, null),
            _ => new(tags.Length, null, null, null, null, null, null, InstrumentState.Render(tags)),
        };
    }
}
