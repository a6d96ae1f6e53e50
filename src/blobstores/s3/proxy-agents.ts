import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * Keep-alive agents for one object-store endpoint that honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and ALL_PROXY, and
 * the lower-case forms), as the Azure SDK does by itself and the AWS SDK does not: hospital networks often reach cloud
 * storage only through an outbound proxy. Through the proxy the environment names for the endpoint's URL (a CONNECT
 * tunnel for https, so TLS and the CA bundle still apply end to end; absolute-form requests for http), direct when
 * NO_PROXY covers the host or no proxy is set. The endpoint is known when the store is built, so the choice is made
 * once; the variables are read then.
 */
export function endpointAgents(endpoint: string, options: AgentOptions): { http: HttpAgent; https: HttpsAgent } {
  const proxy = getProxyForUrl(endpoint);
  if (!proxy) return { http: new HttpAgent(options), https: new HttpsAgent(options) };
  // an http.Agent that hands back TLS sockets: the SDK only needs an agent it can pass to https.request
  return { http: new HttpProxyAgent(proxy, options), https: new TunnellingAgent(proxy, options) as unknown as HttpsAgent };
}

type ConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * https-proxy-agent takes the TLS options for the server at the end of the tunnel from each request, and the SDK's
 * requests carry none: a private CA (QUILL_S3_CA_BUNDLE) would be ignored there. This adds it to every connection.
 */
class TunnellingAgent extends HttpsProxyAgent<string> {
  readonly #ca: AgentOptions['ca'];
  constructor(proxy: string, options: AgentOptions) {
    super(proxy, options);
    this.#ca = options.ca;
  }
  override connect(req: ClientRequest, opts: ConnectOpts) {
    return super.connect(req, this.#ca ? ({ ...opts, ca: this.#ca } as ConnectOpts) : opts);
  }
}
