using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.Tests.Infrastructure;
using ManualTimeProvider = StreamHub.Tests.Hls.Support.ManualTimeProvider;

namespace StreamHub.Tests.Hosting;

/// <summary>What a change of the configured PEM files does to the certificate new handshakes get, checked by calling
/// the provider's check directly (the watcher and its timers only decide when it runs).</summary>
public sealed class CertificateProviderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamhub-certs-").FullName;
    private readonly ListLogger<CertificateProvider> _logger = new();
    private readonly CertificateProvider _provider;
    private readonly string _first;

    public CertificateProviderTests()
    {
        _first = TestCertificates.WriteSelfSignedPair(_directory, "first.example");
        _provider = new CertificateProvider(
            Options.Create(new HttpsOptions { CertificatePath = CertificatePath, KeyPath = KeyPath }),
            Options.Create(new ServerOptions { DataDirectory = _directory }),
            TimeProvider.System, _logger) { WatchesFiles = false };
        Assert.Equal(_first, _provider.Current.Fingerprint);
    }

    private string CertificatePath => Path.Combine(_directory, "fullchain.pem");
    private string KeyPath => Path.Combine(_directory, "privkey.pem");

    public void Dispose()
    {
        _provider.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_new_pair_is_swapped_in_and_logged_with_its_subject_expiry_and_fingerprint()
    {
        var second = TestCertificates.WriteSelfSignedPair(_directory, "second.example");

        Assert.True(_provider.CheckForChanges());

        Assert.Equal(second, _provider.Current.Fingerprint);
        var line = Assert.Single(_logger.Lines, l => l.Contains("reloaded", StringComparison.Ordinal));
        Assert.StartsWith("Information:", line);
        Assert.Contains("CN=second.example", line);
        Assert.Contains($"valid until {_provider.Current.NotAfter:u}", line);
        Assert.Contains($"SHA-256 fingerprint {second} (was {_first})", line);
    }

    [Fact]
    public void A_watching_provider_swaps_in_a_new_pair_when_its_poll_timer_fires()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var watching = new CertificateProvider(
            Options.Create(new HttpsOptions { CertificatePath = CertificatePath, KeyPath = KeyPath }),
            Options.Create(new ServerOptions { DataDirectory = _directory }),
            time, new ListLogger<CertificateProvider>());
        Assert.Equal(_first, watching.Current.Fingerprint);

        var second = TestCertificates.WriteSelfSignedPair(_directory, "second.example");
        var poll = Assert.Single(time.Timers, t => t.DueTime == CertificateFileWatcher.PollInterval);
        poll.Callback(poll.State);

        Assert.Equal(second, watching.Current.Fingerprint);
    }

    [Fact]
    public void Unchanged_files_are_not_reloaded_or_logged()
    {
        var before = _logger.Lines.Count;

        Assert.False(_provider.CheckForChanges());

        Assert.Equal(_first, _provider.Current.Fingerprint);
        Assert.Equal(before, _logger.Lines.Count);
    }

    [Fact]
    public void A_certificate_file_cut_short_keeps_the_current_certificate_with_one_warning_naming_the_file()
    {
        TestCertificates.WriteSelfSignedPair(_directory, "second.example");
        var text = File.ReadAllText(CertificatePath);
        File.WriteAllText(CertificatePath, text[..(text.Length / 2)]);

        Assert.False(_provider.CheckForChanges());
        Assert.False(_provider.CheckForChanges());

        Assert.Equal(_first, _provider.Current.Fingerprint);
        var warning = Assert.Single(_logger.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal));
        Assert.Contains(CertificatePath, warning);
        Assert.Contains(_first, warning);
    }

    [Fact]
    public void A_new_certificate_beside_the_old_key_keeps_the_current_one_until_its_key_arrives()
    {
        var oldKey = File.ReadAllText(KeyPath);
        var second = TestCertificates.WriteSelfSignedPair(_directory, "second.example");
        var newKey = File.ReadAllText(KeyPath);
        File.WriteAllText(KeyPath, oldKey);

        Assert.False(_provider.CheckForChanges());
        Assert.Equal(_first, _provider.Current.Fingerprint);
        var warning = Assert.Single(_logger.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal));
        Assert.Contains($"{KeyPath} does not hold the private key of the certificate in {CertificatePath}", warning);

        File.WriteAllText(KeyPath, newKey);
        Assert.True(_provider.CheckForChanges());
        Assert.Equal(second, _provider.Current.Fingerprint);
    }

    [Fact]
    public void A_missing_key_file_keeps_the_current_certificate_with_a_warning_naming_it()
    {
        File.Delete(KeyPath);

        Assert.False(_provider.CheckForChanges());

        Assert.Equal(_first, _provider.Current.Fingerprint);
        Assert.Contains(_logger.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains($"{KeyPath} cannot be read"));
    }

    [Fact]
    public void A_file_larger_than_a_pem_chain_can_be_is_refused_without_being_read()
    {
        File.WriteAllBytes(CertificatePath, new byte[ServerCertificate.MaxPemFileBytes + 1]);

        Assert.False(_provider.CheckForChanges());

        Assert.Equal(_first, _provider.Current.Fingerprint);
        Assert.Contains(_logger.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal)
            && l.Contains($"{CertificatePath} is {ServerCertificate.MaxPemFileBytes + 1} bytes"));
    }

    [Fact]
    public void The_intermediates_of_the_chain_file_are_sent_with_the_leaf()
    {
        var (root, intermediate, leaf) = TestCertificates.WriteIssuedPair(_directory, "issued.example");

        Assert.True(_provider.CheckForChanges());

        var context = _provider.Current.Context;
        Assert.Equal(leaf.GetCertHashString(HashAlgorithmName.SHA256), context.TargetCertificate.GetCertHashString(HashAlgorithmName.SHA256));
        var sent = Assert.Single(context.IntermediateCertificates);
        Assert.Equal(intermediate.Thumbprint, sent.Thumbprint);
        Assert.NotEqual(root.Thumbprint, sent.Thumbprint);
    }

    [Fact]
    public void A_bad_pair_at_start_stops_start_up_naming_the_settings_and_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("streamhub-certs-").FullName;
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), "not a certificate");
        File.WriteAllText(Path.Combine(directory, "privkey.pem"), "not a key");
        var options = new HttpsOptions { CertificatePath = Path.Combine(directory, "fullchain.pem"), KeyPath = Path.Combine(directory, "privkey.pem") };

        var result = new HttpsOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("StreamHub:Https:CertificatePath/KeyPath", result.FailureMessage);
        Assert.Contains(options.CertificatePath, result.FailureMessage);
    }
}
