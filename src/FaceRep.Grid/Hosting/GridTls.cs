using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace FaceRep.Grid.Hosting;

/// <summary>
/// Mutual TLS for a cluster: every silo and every client holds a certificate issued by the
/// cluster's own certificate authority, and accepts a connection only from a peer whose
/// certificate chains to that authority. Silo-to-silo and client-to-gateway traffic are both
/// encrypted; a client without such a certificate is refused during the handshake.
/// </summary>
/// <param name="Certificate">This process's certificate with its private key.</param>
/// <param name="Authority">The cluster's certificate authority.</param>
public sealed record GridTls(X509Certificate2 Certificate, X509Certificate2 Authority)
{
    /// <summary>
    /// Loads the certificate (a PKCS#12 file, <c>.pfx</c>/<c>.p12</c>, or a PEM file holding the
    /// certificate and its key) and the authority (PEM or DER).
    /// </summary>
    /// <exception cref="InvalidOperationException">A file is missing or unreadable, or the certificate has no private key; the message names the file.</exception>
    public static GridTls Load(string certificatePath, string? password, string authorityPath)
    {
        X509Certificate2 certificate;
        try
        {
            var extension = Path.GetExtension(certificatePath).ToLowerInvariant();
            certificate = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password)
                : string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(certificatePath)
                    : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load the TLS certificate {certificatePath}: {FirstLine(e.Message)}", e);
        }

        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"the TLS certificate {certificatePath} holds no private key");

        X509Certificate2 authority;
        try
        {
            authority = X509CertificateLoader.LoadCertificateFromFile(authorityPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load the TLS certificate authority {authorityPath}: {FirstLine(e.Message)}", e);
        }

        return new GridTls(certificate, authority);
    }

    /// <summary>Applies these settings to Orleans' TLS options, for a silo or a client.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => IsIssuedByAuthority(certificate);
        // Peers are reached by address, not by a name in their certificate: what is checked is the issuer.
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = "facerep-grid";
    }

    /// <summary>True when <paramref name="certificate"/> chains to the cluster's authority (and to nothing else) and is within its validity.</summary>
    public bool IsIssuedByAuthority(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate)
            && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
