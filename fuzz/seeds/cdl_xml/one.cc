<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection xmlns="urn:ASC:CDL:v1.01" id="A001">
  <SOPNode><Slope>1.1 1 0.9</Slope><Offset>0 0.01 0</Offset><Power>1 1 1.05</Power></SOPNode>
  <SatNode><Saturation>0.9</Saturation></SatNode>
</ColorCorrection>
