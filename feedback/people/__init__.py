"""Young people as the service knows them: pseudonyms and consent (`operations`), the council's register
(`register`), personal links (`links`), and their rights: subject access and erasure (`privacy`)."""
