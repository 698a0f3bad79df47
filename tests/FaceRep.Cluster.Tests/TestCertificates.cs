using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FaceRep.Cluster.Tests;

/// <summary>A throwaway certificate authority and the certificates it issues, written as files the way an operator would hand them out.</summary>
public sealed class TestCertificates
{
    private readonly X509Certificate2 _authority;
    private readonly string _directory;

    private TestCertificates(X509Certificate2 authority, string directory)
    {
        _authority = authority;
        _directory = directory;
        AuthorityPath = Path.Combine(directory, "ca.pem");
        File.WriteAllText(AuthorityPath, authority.ExportCertificatePem());
    }

    /// <summary>The authority's certificate (PEM), as silos and clients are given it.</summary>
    public string AuthorityPath { get; }

    /// <summary>The password of every issued .pfx file.</summary>
    public string Password { get; } = $"pfx-{Guid.NewGuid():N}";

    /// <summary>A new authority whose files go under <paramref name="directory"/>.</summary>
    public static TestCertificates CreateAuthority(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return new TestCertificates(authority, directory);
    }

    /// <summary>Issues a certificate for a silo or a client (both server and client authentication) and writes it as a password-protected .pfx; returns its path.</summary>
    public string Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        var path = Path.Combine(_directory, $"{name}.pfx");
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pkcs12, Password));
        return path;
    }
}
