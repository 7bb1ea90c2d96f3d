/**
 * The QoS stage's part of `ipxlab explain`: which classifier rule would put this frame in which
 * traffic class, and why every earlier rule did not match. The node layer joins the two (capture's
 * explain view and qos's classifier), as it joins the transports and the QoS stage.
 */
import { ipx } from '../../protocol/index.js'
import { Classifier, formatExplanation } from '../qos/classifier.js'
import type { ExplainSectionProvider } from '../capture/explain.js'

/** A section provider for {@link explainFrame}; one classifier with the default rules. */
export function qosExplainSection (classifier: Classifier = new Classifier()): ExplainSectionProvider {
  return ({ located }) => {
    if (located === undefined) return undefined
    const datagram = ipx.packet.encode(located.ipx)
    const e = classifier.explain(datagram)
    return {
      title: `QoS class: ${e.result.trafficClass} (rule ${e.result.ruleName}: ${e.result.reason})`,
      lines: formatExplanation(e)
    }
  }
}
